package dev.sandboxgate.sample;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The real Sandbox Agent server (pinned npm package), on 127.0.0.1 with a random port and token, with our mock ACP
 * agent installed as agent {@code mock}. Stopped by its PID, with every process it spawned.
 */
public final class SandboxAgentServer implements AutoCloseable {
    private final Process process;
    private final Path home;
    private final String url;
    private final String token;

    private SandboxAgentServer(Process process, Path home, String url, String token) {
        this.process = process;
        this.home = home;
        this.url = url;
        this.token = token;
    }

    public static SandboxAgentServer start() throws IOException, InterruptedException {
        return start(Repo.freePort(), "sandbox-it-" + UUID.randomUUID());
    }

    /** A server on {@code port} with {@code token}: for bringing a stopped sandbox back where the gateway expects it. */
    public static SandboxAgentServer start(int port, String token) throws IOException, InterruptedException {
        Path home = Files.createTempDirectory("sandbox-agent-it");
        Path agents = Files.createDirectories(home.resolve("xdg/sandbox-agent/bin/agent_processes"));
        Path agent = agents.resolve("mock-acp");
        Files.copy(Repo.e2e().resolve("mock-acp-agent.mjs"), agent, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(agent, PosixFilePermissions.fromString("rwxr-xr-x"));
        ProcessBuilder builder = new ProcessBuilder(Repo.sandboxAgentBinary().toString(), "server", "--no-telemetry",
                "-H", "127.0.0.1", "-p", Integer.toString(port), "-t", token)
                .redirectErrorStream(true)
                .redirectOutput(home.resolve("server.log").toFile());
        builder.environment().put("XDG_DATA_HOME", home.resolve("xdg").toString());
        builder.environment().put("HOME", home.toString());
        SandboxAgentServer server = new SandboxAgentServer(builder.start(), home, "http://127.0.0.1:" + port, token);
        server.awaitHealthy();
        return server;
    }

    public String url() {
        return url;
    }

    public String token() {
        return token;
    }

    int port() {
        return URI.create(url).getPort();
    }

    /** Agent processes the server has spawned and that are still alive. */
    public long liveAgentProcesses() {
        return process.descendants().filter(ProcessHandle::isAlive).count();
    }

    /**
     * The server's own request log (one line per request it received, e.g. {@code method=GET
     * uri=/v1/processes/proc_1/terminal/ws?...}): what reached the sandbox, whatever a proxy in front of it says.
     */
    String requestLog() throws IOException {
        Path logs = home.resolve("xdg/sandbox-agent/logs");
        if (!Files.isDirectory(logs)) {
            return "";
        }
        StringBuilder all = new StringBuilder();
        try (var files = Files.list(logs)) {
            for (Path file : files.sorted().toList()) {
                all.append(Files.readString(file));
            }
        }
        return all.toString();
    }

    /** A directory the sandbox may write to in tests (the server runs as this user). */
    public Path scratch() throws IOException {
        return Files.createDirectories(home.resolve("scratch"));
    }

    private void awaitHealthy() throws IOException, InterruptedException {
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest health = HttpRequest.newBuilder(URI.create(url + "/v1/health"))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("sandbox-agent exited: " + Files.readString(home.resolve("server.log")));
            }
            try {
                if (client.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException starting) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        close();
        throw new IOException("sandbox-agent did not become healthy in 30 s");
    }

    @Override
    public void close() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
