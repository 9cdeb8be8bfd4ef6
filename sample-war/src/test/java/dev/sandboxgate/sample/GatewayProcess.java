package dev.sandboxgate.sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The gateway as users run it: {@code java -jar sample-war/target/sandbox-gate-launcher.jar} in its own JVM (so its
 * threads and heap are its own to measure), configured through the environment, its output captured for inspection.
 */
final class GatewayProcess implements AutoCloseable {
    static final String READY_LINE = "Sandbox Gate is listening";

    private final Process process;
    private final Path output;
    private final int port;

    private GatewayProcess(Process process, Path output, int port) {
        this.process = process;
        this.output = output;
        this.port = port;
    }

    /** A gateway in front of {@code sandboxUrl}, with extra JVM options (e.g. {@code -Xmx128m}). */
    static GatewayProcess start(String sandboxUrl, String sandboxToken, String appToken, List<String> jvmOptions)
            throws IOException, InterruptedException {
        Map<String, String> env = new java.util.HashMap<>();
        env.put("SANDBOX_URL", sandboxUrl);
        env.put("SANDBOX_TOKEN", sandboxToken);
        env.put("APP_API_TOKEN", appToken);
        return start(env, jvmOptions);
    }

    static GatewayProcess start(Map<String, String> env, List<String> jvmOptions)
            throws IOException, InterruptedException {
        int port = Repo.freePort();
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(Repo.launcherJar().toString());
        return start(env, command, port);
    }

    /**
     * The sample WAR on embedded Tomcat 11 ({@link TomcatMain}) instead of the launcher's Jetty, configured by the
     * same environment: the second container the gateway is tested on.
     */
    static GatewayProcess startOnTomcat(Map<String, String> env) throws IOException, InterruptedException {
        int port = Repo.freePort();
        String testClasses;
        try {
            testClasses = Paths.get(TomcatMain.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString();
        } catch (java.net.URISyntaxException e) {
            throw new IOException(e);
        }
        List<String> command = List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", Repo.tomcatLib().resolve("*") + java.io.File.pathSeparator + testClasses,
                TomcatMain.class.getName(), Repo.launcherJar().resolveSibling("sandbox-gate.war").toString(),
                Integer.toString(port));
        return start(env, command, port);
    }

    private static GatewayProcess start(Map<String, String> env, List<String> command, int port)
            throws IOException, InterruptedException {
        Path output = Files.createTempFile("gateway-" + UUID.randomUUID(), ".log");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        // Only what the test passes configures the gateway, never the machine's own environment.
        builder.environment().keySet().removeIf(name -> name.startsWith("SANDBOX_") || name.startsWith("JWT_")
                || name.startsWith("API_KEY") || name.equals("APP_API_TOKEN") || name.startsWith("AUDIT_"));
        builder.environment().putAll(env);
        // The end-to-end tests write under the sandbox's scratch directories (and scripted upstreams serve any path):
        // filesystem confinement to a root is tested in jaxrs-proxy (AuthorizationThroughGatewayTest), so here the
        // root is "/" unless a test names one. Traversal and encoding tricks are refused all the same. The launcher's
        // local demo (no SANDBOX_URL) keeps its own default.
        if (env.containsKey("SANDBOX_URL")) {
            builder.environment().putIfAbsent("SANDBOX_FS_ROOT", "/");
        }
        builder.environment().put("PORT", Integer.toString(port));
        GatewayProcess gateway = new GatewayProcess(builder.start(), output, port);
        gateway.awaitReady();
        return gateway;
    }

    /** {@code http://127.0.0.1:PORT/sandbox/{workspaceId}}: the SDK's baseUrl. */
    String baseUrl(String workspaceId) {
        return "http://127.0.0.1:" + port + "/sandbox/" + workspaceId;
    }

    long pid() {
        return process.pid();
    }

    /** {@code http://127.0.0.1:PORT}: the gateway's root, where {@code /sandbox-gate/health} lives. */
    String rootUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** Sends SIGTERM (as an orchestrator does) and returns at once; see {@link #awaitExit}. */
    void terminate() {
        process.destroy();
    }

    /** Waits for the gateway to exit; false if it is still running after {@code seconds}. */
    boolean awaitExit(long seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS);
    }

    /**
     * The JVM that serves requests: the launcher's own when it was given JVM options, else the second JVM it starts
     * with its own JVM defaults (a child whose command is {@code java}).
     */
    ProcessHandle servingJvm() {
        return process.toHandle().children()
                .filter(child -> child.info().command().map(command -> command.endsWith("/java")).orElse(false))
                .findFirst().orElse(process.toHandle());
    }

    /** Live threads of the serving JVM, all of them (container, client, GC, compiler), from /proc. */
    int liveThreads() throws IOException {
        long pid = servingJvm().pid();
        for (String line : Files.readAllLines(Paths.get("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("Threads:")) {
                return Integer.parseInt(line.substring("Threads:".length()).trim());
            }
        }
        throw new IOException("no Threads: line for pid " + pid);
    }

    /**
     * Bytes of live objects in the serving JVM's heap: {@code jcmd GC.class_histogram} collects the garbage first,
     * then counts what is left.
     */
    long liveHeapBytes() throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(servingJvm().pid()), "GC.class_histogram").redirectErrorStream(true).start();
        String histogram = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!jcmd.waitFor(60, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
            throw new IOException("jcmd GC.class_histogram failed:\n" + histogram);
        }
        // The last line: "Total <instances> <bytes>"
        String last = histogram.strip().lines().reduce((first, second) -> second).orElse("");
        String[] total = last.trim().split("\\s+");
        if (total.length != 3 || !total[0].equals("Total")) {
            throw new IOException("no total in jcmd GC.class_histogram:\n" + histogram);
        }
        return Long.parseLong(total[2]);
    }

    /** Everything the gateway wrote to stdout and stderr so far. */
    String output() throws IOException {
        return Files.readString(output, StandardCharsets.UTF_8);
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (output().contains(READY_LINE)) {
                return;
            }
            if (!process.isAlive()) {
                throw new IOException("the gateway exited with " + process.exitValue() + ":\n" + output());
            }
            Thread.sleep(50);
        }
        close();
        throw new IOException("the gateway did not start in 60 s:\n" + output());
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
