package dev.sandboxgate.containers;

import dev.sandboxgate.sample.Repo;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One application server of the matrix, unpacked from its Maven Central distribution under
 * {@code target/servers}: how to lay out a fresh server directory holding the WAR, configured the way the README
 * tells users to, and how to start it on 127.0.0.1. Each server runs in its own process, configured through the
 * environment exactly as the WAR's {@code web.xml} placeholders read it, and is stopped by its PID.
 */
abstract class ServerDistribution {
    /** The context every server deploys {@code sandbox-gate.war} at. */
    static final String CONTEXT = "/sandbox-gate";
    private static final Duration START_LIMIT = Duration.ofMinutes(4);

    private final String name;
    private final String version;

    ServerDistribution(String name, String versionProperty) {
        this.name = name;
        this.version = System.getProperty(versionProperty);
        if (version == null) {
            throw new IllegalStateException("system property " + versionProperty + " is not set; run with 'mvn verify'");
        }
    }

    /** E.g. {@code Tomcat 11.0.24}: names the server in the test output. */
    @Override
    public final String toString() {
        return name + " " + version;
    }

    final String version() {
        return version;
    }

    /**
     * Lays out {@code base} (an empty directory) with the WAR and this server's configuration, and returns the
     * command that starts the server on 127.0.0.1:{@code httpPort}.
     */
    abstract List<String> prepare(Path base, Path war, int httpPort) throws IOException, InterruptedException;

    /** Starts the server with {@code env} added to its environment and waits until the WAR answers. */
    final RunningServer start(Path war, Map<String, String> env) throws IOException, InterruptedException {
        Path base = Files.createTempDirectory(workDir(), name.toLowerCase().replace(' ', '-') + "-");
        int port = Repo.freePort();
        List<String> command = prepare(base, war, port);
        ProcessBuilder builder = new ProcessBuilder(command).directory(base.toFile())
                .redirectErrorStream(true).redirectOutput(base.resolve("console.log").toFile());
        // Only what the test passes configures the gateway, never the machine's own environment.
        builder.environment().keySet().removeIf(variable -> variable.startsWith("SANDBOX_")
                || variable.startsWith("JWT_") || variable.startsWith("API_KEY") || variable.equals("APP_API_TOKEN")
                || variable.startsWith("JAVA_OPTS") || variable.startsWith("CATALINA_") || variable.startsWith("JETTY_")
                || variable.startsWith("JBOSS_"));
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().putAll(env);
        RunningServer server = new RunningServer(toString(), builder.start(), base,
                "http://127.0.0.1:" + port + CONTEXT);
        try {
            awaitGateway(server);
        } catch (IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** Runs a set-up command of the distribution (not the server) to completion. */
    static void runToCompletion(Path base, List<String> command) throws IOException, InterruptedException {
        Process setup = new ProcessBuilder(command).directory(base.toFile()).redirectErrorStream(true)
                .redirectOutput(base.resolve("setup.log").toFile()).start();
        if (!setup.waitFor(2, TimeUnit.MINUTES) || setup.exitValue() != 0) {
            setup.destroyForcibly();
            throw new IOException("set-up " + command + " failed:\n" + Files.readString(base.resolve("setup.log")));
        }
    }

    /** Copies the files (not the directories) of {@code from} into {@code to}, which it creates. */
    static void copyFiles(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }

    static Path serversDir() {
        return Paths.get(System.getProperty("sandboxgate.servers.dir", "target/servers"));
    }

    static String java() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static Path workDir() throws IOException {
        return Files.createDirectories(Paths.get(System.getProperty("sandboxgate.work.dir", "target/runs")));
    }

    /** Deployed means the filter answers: an unauthenticated health check gets the gateway's 401. */
    private static void awaitGateway(RunningServer server) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest probe = HttpRequest.newBuilder(URI.create(server.baseUrl("ws_probe") + "/v1/health"))
                .timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + START_LIMIT.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                throw new IOException(server + " exited before the WAR answered:\n" + server.consoleTail());
            }
            try {
                HttpResponse<String> answer = http.send(probe, HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() == 401 && answer.body().contains("urn:sandbox-gate:problem:")) {
                    return;
                }
                last = answer.statusCode() + " " + answer.body();
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            Thread.sleep(200);
        }
        throw new IOException(server + ": the WAR did not answer within " + START_LIMIT + " (last: " + last + "):\n"
                + server.consoleTail());
    }
}
