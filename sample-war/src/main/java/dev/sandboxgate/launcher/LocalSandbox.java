package dev.sandboxgate.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A Sandbox Agent server started by the launcher when no {@code SANDBOX_URL} is given: the binary of the pinned npm
 * package ({@code e2e/node_modules}), with our mock ACP agent installed as agent {@code mock} so a newcomer can prompt
 * an agent end to end without model credentials. Bound to 127.0.0.1; stopped (with its agent processes) on exit.
 */
final class LocalSandbox implements AutoCloseable {
    static final String BINARY = "e2e/node_modules/@sandbox-agent/cli-linux-x64/bin/sandbox-agent";
    private static final int START_ATTEMPTS = 3;

    private final Process process;
    private final Path dataHome;
    private final String url;

    private LocalSandbox(Process process, Path dataHome, String url) {
        this.process = process;
        this.dataHome = dataHome;
        this.url = url;
    }

    static LocalSandbox start(String token, Path launcherDir) throws IOException, InterruptedException {
        Path binary = findBinary(launcherDir);
        Path dataHome = Files.createTempDirectory("sandbox-gate-local-sandbox");
        installMockAgent(dataHome);
        // A free port may be taken again before the server binds it; a server that dies at start gets another try.
        for (int attempt = 1; ; attempt++) {
            LocalSandbox sandbox = launch(binary, dataHome, token);
            try {
                sandbox.awaitHealthy(token);
                return sandbox;
            } catch (IOException | InterruptedException | RuntimeException e) {
                boolean diedAtStart = !sandbox.process.isAlive();
                sandbox.stopProcesses();
                if (attempt == START_ATTEMPTS || !diedAtStart || e instanceof InterruptedException) {
                    throw e; // the log stays in dataHome for diagnosis
                }
            }
        }
    }

    private static LocalSandbox launch(Path binary, Path dataHome, String token) throws IOException {
        int port = freePort();
        ProcessBuilder builder = new ProcessBuilder(binary.toString(), "server", "--no-telemetry",
                // "--token=" form: a token may start with '-', which the CLI would otherwise read as an option.
                "-H", "127.0.0.1", "-p", Integer.toString(port), "--token=" + token)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dataHome.resolve("sandbox-agent.log").toFile()));
        builder.environment().put("XDG_DATA_HOME", dataHome.toString());
        return new LocalSandbox(builder.start(), dataHome, "http://127.0.0.1:" + port);
    }

    String url() {
        return url;
    }

    /** A directory for the demo workspace's files, inside the sandbox's reach (the gateway's fs-root). */
    Path workspace() throws IOException {
        return Files.createDirectories(dataHome.resolve("workspace"));
    }

    private static Path findBinary(Path launcherDir) throws IOException {
        String configured = LauncherSettings.fromSystem("SANDBOX_AGENT_BIN");
        List<Path> candidates = configured != null ? List.of(Paths.get(configured))
                : Stream.of(Paths.get("").toAbsolutePath(), launcherDir.toAbsolutePath())
                        .flatMap(LocalSandbox::selfAndParents)
                        .map(dir -> dir.resolve(BINARY))
                        .toList();
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate)) {
                candidate.toFile().setExecutable(true); // npm skips the package's postinstall chmod
                return candidate;
            }
        }
        throw new IOException("No SANDBOX_URL is set and no local Sandbox Agent binary was found. Run "
                + "'npm ci --prefix e2e' in the repository, set SANDBOX_AGENT_BIN, or set SANDBOX_URL, "
                + "SANDBOX_TOKEN and APP_API_TOKEN to use an existing sandbox.");
    }

    private static Stream<Path> selfAndParents(Path dir) {
        return Stream.iterate(dir, d -> d != null, Path::getParent);
    }

    private static void installMockAgent(Path dataHome) throws IOException {
        Path agents = dataHome.resolve("sandbox-agent/bin/agent_processes");
        Files.createDirectories(agents);
        Path agent = agents.resolve("mock-acp");
        try (InputStream script = LocalSandbox.class.getResourceAsStream("mock-acp-agent.mjs")) {
            if (script == null) {
                throw new IOException("the launcher jar lacks mock-acp-agent.mjs");
            }
            Files.copy(script, agent);
        }
        Files.setPosixFilePermissions(agent, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private void awaitHealthy(String token) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest health = HttpRequest.newBuilder(URI.create(url + "/v1/health"))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("the local Sandbox Agent exited with " + process.exitValue()
                        + "; see " + dataHome.resolve("sandbox-agent.log"));
            }
            try {
                if (client.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        throw new IOException("the local Sandbox Agent did not become healthy within 30 s");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        stopProcesses();
        try (Stream<Path> files = Files.walk(dataHome)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory; best effort
        }
    }

    private void stopProcesses() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
