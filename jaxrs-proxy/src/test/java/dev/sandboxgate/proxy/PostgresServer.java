package dev.sandboxgate.proxy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for tests: {@code initdb} into a temporary directory, then {@code postgres} on 127.0.0.1
 * and a free port, trust authentication for user {@value #USER}. Stopped by its PID with SIGINT (PostgreSQL's "fast"
 * shutdown, which closes client connections at once), and startable again on the same port and data, so a test can
 * take the database away and bring it back. PostgreSQL refuses to run as root: as root, both run as user
 * {@code nobody} ({@code setpriv}, which execs, so the PID is the server's own). Binaries are looked up in
 * {@code /usr/lib/postgresql/<version>/bin} (Debian's {@code postgresql} package; {@code .ci/run} installs it), then
 * on the PATH.
 */
public final class PostgresServer implements AutoCloseable {
    public static final String USER = "gate";
    private static final int NOBODY = 65534;

    private final Path base;
    private final Path bin;
    private final int port;
    private Process server;

    private PostgresServer(Path base, Path bin, int port) {
        this.base = base;
        this.bin = bin;
        this.port = port;
    }

    public static PostgresServer start() throws Exception {
        Path bin = binaries();
        Path base = Files.createTempDirectory("sandbox-gate-pg");
        if (isRoot()) {
            Files.setAttribute(base, "unix:uid", NOBODY);
            Files.setAttribute(base, "unix:gid", NOBODY);
        }
        PostgresServer pg = new PostgresServer(base, bin, freePort());
        pg.run(List.of(bin.resolve("initdb").toString(), "-D", base.resolve("data").toString(), "-U", USER,
                "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"));
        pg.restart();
        return pg;
    }

    public int port() {
        return port;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), USER, "");
    }

    /** Starts the server (again) and waits until it accepts connections. */
    public synchronized void restart() throws Exception {
        if (server != null && server.isAlive()) {
            throw new IllegalStateException("already running");
        }
        server = new ProcessBuilder(asServerUser(List.of(bin.resolve("postgres").toString(), "-D",
                base.resolve("data").toString(), "-c", "listen_addresses=127.0.0.1", "-p", "" + port,
                "-c", "unix_socket_directories=" + base, "-c", "max_connections=50")))
                .redirectErrorStream(true).redirectOutput(base.resolve("postgres.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (Connection ignored = connect()) {
                return;
            } catch (SQLException notYet) {
                if (!server.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("PostgreSQL did not start: " + log(), notYet);
                }
                Thread.sleep(100);
            }
        }
    }

    /** Fast shutdown by PID (SIGINT): open connections are closed at once. Waits for the process to exit. */
    public synchronized void stop() throws Exception {
        if (server == null || !server.isAlive()) {
            return;
        }
        new ProcessBuilder("kill", "-INT", Long.toString(server.pid())).inheritIO().start().waitFor();
        if (!server.waitFor(30, TimeUnit.SECONDS)) {
            server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            stop();
        } finally {
            try (Stream<Path> files = Files.walk(base)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    private String log() {
        try {
            return Files.readString(base.resolve("postgres.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private void run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(asServerUser(command)).redirectErrorStream(true)
                .redirectOutput(base.resolve("initdb.log").toFile()).start();
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException(command.get(0) + " failed: "
                    + Files.readString(base.resolve("initdb.log")));
        }
    }

    private static List<String> asServerUser(List<String> command) {
        if (!isRoot()) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY,
                "--clear-groups"));
        wrapped.addAll(command);
        return wrapped;
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static Path binaries() throws IOException {
        Path debian = Paths.get("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                Path newest = versions.map(version -> version.resolve("bin"))
                        .filter(dir -> Files.isExecutable(dir.resolve("initdb")))
                        .max(Comparator.comparingInt(PostgresServer::major)).orElse(null);
                if (newest != null) {
                    return newest;
                }
            }
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Paths.get(dir, "initdb"))) {
                return Paths.get(dir);
            }
        }
        throw new IllegalStateException("PostgreSQL binaries (initdb, postgres) not found: install the Debian "
                + "package 'postgresql' (.ci/run does)");
    }

    private static int major(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
