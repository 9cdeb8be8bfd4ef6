package dev.sandboxgate.filter.jdbc;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for tests: {@code initdb} on a fresh temporary directory, then {@code postgres} on
 * 127.0.0.1 and a free port, trust authentication for user {@value #USER}, fsync off. Stopped by its PID, and its
 * directory deleted, on {@link #close()}. {@link #stop()} and {@link #restart()} take the server away and bring it
 * back on the same port and data, for outage tests.
 *
 * <p>The binaries are found under {@code /usr/lib/postgresql/<version>/bin} (Debian's {@code postgresql} package;
 * the newest version wins), or in the directory named by the system property {@code sandboxgate.postgres.bin}.
 * PostgreSQL refuses to run as root: when the tests do, the server runs as user {@code postgres} (or
 * {@code nobody}) through {@code setpriv}, which replaces itself with the server, so the PID is the server's.
 */
public final class PostgresServer implements AutoCloseable {
    public static final String USER = "test";
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final List<String> command;
    private final Path home;
    private final int port;
    private Process process;

    private PostgresServer(List<String> command, Path home, int port) {
        this.command = command;
        this.home = home;
        this.port = port;
    }

    public static PostgresServer start() throws IOException, InterruptedException {
        Path bin = binaries();
        Path home = Files.createTempDirectory("postgres-test");
        Path data = home.resolve("data");
        String user = nonRootUser();
        if (user != null) {
            run(List.of("chown", "-R", user + ":", home.toString()), home);
        }
        run(as(user, bin.resolve("initdb").toString(), "-D", data.toString(), "-U", USER, "--auth=trust",
                "-E", "UTF8", "--no-locale", "--no-sync"), home);

        int port = freePort();
        List<String> postgres = as(user, bin.resolve("postgres").toString(), "-D", data.toString(),
                "-p", Integer.toString(port), "-c", "listen_addresses=127.0.0.1",
                "-c", "unix_socket_directories=" + home, "-c", "fsync=off", "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off", "-c", "max_connections=200");
        PostgresServer server = new PostgresServer(postgres, home, port);
        server.restart();
        return server;
    }

    /** Starts the server (again, after {@link #stop()}) and waits until it accepts connections. */
    public synchronized void restart() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("postgres is running");
        }
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("postgres.log").toFile())).start();
        awaitReady();
    }

    /** {@code jdbc:postgresql://127.0.0.1:PORT/postgres}. */
    public String jdbcUrl() {
        return jdbcUrl("postgres");
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** A new, empty database of its own (so tests sharing the server do not see each other's tables); its URL. */
    public String createDatabase() throws SQLException {
        String name = "db" + DATABASES.incrementAndGet();
        try (Connection connection = DriverManager.getConnection(jdbcUrl(), USER, "");
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        }
        return jdbcUrl(name);
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("postgres exited: " + Files.readString(home.resolve("postgres.log")));
            }
            try (Connection connection = DriverManager.getConnection(jdbcUrl(), USER, "")) {
                return;
            } catch (SQLException starting) {
                Thread.sleep(100);
            }
        }
        close();
        throw new IOException("postgres did not accept connections in 60 s");
    }

    private static Path binaries() throws IOException {
        String configured = System.getProperty("sandboxgate.postgres.bin");
        if (configured != null) {
            return Paths.get(configured);
        }
        Path root = Paths.get("/usr/lib/postgresql");
        if (Files.isDirectory(root)) {
            try (Stream<Path> versions = Files.list(root)) {
                Path newest = versions.filter(v -> Files.isExecutable(v.resolve("bin/postgres")))
                        .max(Comparator.comparingInt(v -> version(v.getFileName().toString()))).orElse(null);
                if (newest != null) {
                    return newest.resolve("bin");
                }
            }
        }
        throw new IOException("no PostgreSQL binaries under /usr/lib/postgresql (apt-get install postgresql; "
                + ".ci/run does) and no -Dsandboxgate.postgres.bin");
    }

    private static int version(String name) {
        try {
            return Integer.parseInt(name);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Null when the tests do not run as root; else the user the server runs as. */
    private static String nonRootUser() throws IOException, InterruptedException {
        Process id = new ProcessBuilder("id", "-u").start();
        String uid = new String(id.getInputStream().readAllBytes()).trim();
        id.waitFor();
        if (!uid.equals("0")) {
            return null;
        }
        return new ProcessBuilder("id", "postgres").start().waitFor() == 0 ? "postgres" : "nobody";
    }

    /** {@code command} run as {@code user} (setpriv execs it, keeping the PID), or as it is when user is null. */
    private static List<String> as(String user, String... command) {
        List<String> full = new ArrayList<>();
        if (user != null) {
            full.addAll(List.of("setpriv", "--reuid=" + user, "--regid=" + user, "--init-groups", "--"));
        }
        full.addAll(List.of(command));
        return full;
    }

    private static void run(List<String> command, Path home) throws IOException, InterruptedException {
        Path log = home.resolve("setup.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " failed: " + Files.readString(log));
        }
    }

    private static int freePort() throws IOException {
        // postgres cannot bind port 0 and report it: take a port the kernel just handed out, then free it.
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Stops the server by its PID (fast shutdown, then kill) and deletes its directory. */
    @Override
    public void close() {
        stop();
        try (Stream<Path> files = Files.walk(home)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is not worth failing a test for
        }
    }

    /** Stops the server by its PID (fast shutdown, then kill), keeping its data for {@link #restart()}. */
    public synchronized void stop() {
        if (process == null || !process.isAlive()) {
            return;
        }
        // SIGINT is postgres' fast shutdown (SIGTERM would wait for clients to disconnect).
        try {
            new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
