package dev.sandboxgate.containers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** A server of the matrix, running the WAR. Closing it stops it by PID (the JVM and anything a script forked). */
final class RunningServer implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path base;
    private final String contextUrl;

    RunningServer(String name, Process process, Path base, String contextUrl) {
        this.name = name;
        this.process = process;
        this.base = base;
        this.contextUrl = contextUrl;
    }

    /** {@code http://127.0.0.1:PORT/sandbox-gate/sandbox/{workspaceId}}: the SDK's baseUrl. */
    String baseUrl(String workspaceId) {
        return contextUrl + "/sandbox/" + workspaceId;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The server's process and every process it started (a start script forks the JVM). */
    List<ProcessHandle> processes() {
        return Stream.concat(Stream.of(process.toHandle()), process.descendants()).filter(ProcessHandle::isAlive)
                .toList();
    }

    /** The server's JVM: the process itself, or the one its start script forked. */
    ProcessHandle jvm() {
        return processes().stream()
                .filter(p -> p.info().command().map(command -> command.endsWith("/java")).orElse(false))
                .reduce((first, second) -> {
                    throw new IllegalStateException(name + " runs more than one JVM: " + first + ", " + second);
                })
                .orElseThrow(() -> new IllegalStateException(name + " runs no JVM"));
    }

    /** Everything the server logged: its console and every log file under its directory. */
    String logs() throws IOException {
        try (Stream<Path> files = Files.walk(base)) {
            return files.filter(Files::isRegularFile)
                    .filter(file -> file.getFileName().toString().endsWith(".log")
                            || file.getParent().getFileName().toString().equals("logs"))
                    .map(RunningServer::read).collect(Collectors.joining("\n"));
        }
    }

    String consoleTail() {
        String console = read(base.resolve("console.log"));
        return console.length() <= 20_000 ? console : console.substring(console.length() - 20_000);
    }

    @Override
    public void close() throws InterruptedException {
        // The JVMs first (a graceful SIGTERM, then SIGKILL), then a start script waiting for them.
        List<ProcessHandle> jvmsFirst = process.descendants().toList();
        for (ProcessHandle handle : jvmsFirst) {
            handle.destroy();
        }
        process.destroy();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (ProcessHandle handle : Stream.concat(jvmsFirst.stream(), Stream.of(process.toHandle())).toList()) {
            long left = Math.max(0, deadline - System.nanoTime());
            try {
                handle.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                handle.destroyForcibly();
            }
        }
        process.waitFor(5, TimeUnit.SECONDS);
    }

    @Override
    public String toString() {
        return name;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
