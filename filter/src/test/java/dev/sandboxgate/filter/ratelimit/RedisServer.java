package dev.sandboxgate.filter.ratelimit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} (the Debian package; {@code .ci/run} installs it) on a free loopback port, without
 * persistence, stopped by its PID. {@link #freeze()} stops the process (SIGSTOP) so that it accepts connections but
 * never answers, as a hung or overloaded Redis does.
 */
public final class RedisServer implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;

    private RedisServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Started with {@code extraArgs} added to its command line, e.g. {@code --requirepass secret}. */
    public static RedisServer start(String... extraArgs) throws IOException, InterruptedException {
        String binary = Files.isExecutable(Path.of("/usr/bin/redis-server")) ? "/usr/bin/redis-server"
                : "redis-server";
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            Path log = Files.createTempFile("redis-", ".log");
            Process process;
            try {
                List<String> command = new java.util.ArrayList<>(List.of(binary, "--port", Integer.toString(port),
                        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"));
                command.addAll(List.of(extraArgs));
                process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            } catch (IOException e) {
                throw new IOException("redis-server is not installed (apt-get install redis-server; .ci/run does)",
                        e);
            }
            RedisServer server = new RedisServer(process, port, log);
            if (server.awaitAccepting()) {
                return server;
            }
            server.close();
            last = new IOException("redis-server did not start on port " + port + ":\n"
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        throw last;
    }

    private boolean awaitAccepting() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && process.isAlive()) {
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return true;
            } catch (IOException notYet) {
                Thread.sleep(20);
            }
        }
        return false;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** SIGSTOP: connections stay open (and new ones are accepted by the kernel) but nothing is answered. */
    public void freeze() throws IOException, InterruptedException {
        signal("-STOP");
    }

    /** SIGCONT after {@link #freeze()}. */
    public void thaw() throws IOException, InterruptedException {
        signal("-CONT");
    }

    private void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill " + signal + " " + process.pid() + " failed");
        }
    }

    /** Stops the server (by its PID) and waits until it is gone. */
    @Override
    public void close() throws IOException, InterruptedException {
        if (process.isAlive()) {
            signal("-CONT"); // a frozen server cannot act on SIGTERM
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        Files.deleteIfExists(log);
    }
}
