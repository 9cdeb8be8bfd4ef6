package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.audit.AuditVerifier;
import dev.sandboxgate.filter.jdbc.PostgresServer;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JDBC sink against a real PostgreSQL server that is stopped for 10 s while requests keep coming and then
 * started again: every request has its decision record and every forwarded one its completed record, whether the
 * trail waits for the database ({@code block}) or spools meanwhile ({@code spool}), and the chain verifies.
 */
@ExtendWith(LogLeakGuard.class)
class AuditPostgresOutageTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private static PostgresServer pg;

    @TempDir
    Path spoolDir;

    @BeforeAll
    static void startDatabase() throws Exception {
        pg = PostgresServer.start();
    }

    @AfterAll
    static void stopDatabase() throws Exception {
        if (pg != null) {
            pg.close();
        }
    }

    /** What the callers saw: responses by status. */
    private record Load(Map<Integer, AtomicLong> statuses) {
        long total() {
            return statuses.values().stream().mapToLong(AtomicLong::get).sum();
        }

        long of(int status) {
            AtomicLong count = statuses.get(status);
            return count == null ? 0 : count.get();
        }
    }

    /** Sends requests from 4 threads for the whole outage scenario: 2 s up, 10 s down, 3 s up again. */
    private static Load runThroughOutage(GatewayServer gw) throws Exception {
        Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread sender = new Thread(() -> {
                while (running.get()) {
                    try {
                        HttpResponse<Void> response = CLIENT.send(HttpRequest.newBuilder(
                                        URI.create(gw.mountUrl() + "/ws_1/v1/health"))
                                .header("Authorization", "Bearer " + GatewayServer.APP_TOKEN)
                                .timeout(Duration.ofSeconds(90)).build(), HttpResponse.BodyHandlers.discarding());
                        statuses.computeIfAbsent(response.statusCode(), s -> new AtomicLong()).incrementAndGet();
                    } catch (Exception e) {
                        statuses.computeIfAbsent(-1, s -> new AtomicLong()).incrementAndGet();
                    }
                }
            });
            sender.start();
            senders.add(sender);
        }
        Thread.sleep(2_000);
        pg.stop();
        Thread.sleep(10_000);
        pg.restart();
        Thread.sleep(3_000);
        running.set(false);
        for (Thread sender : senders) {
            sender.join(120_000);
        }
        return new Load(statuses);
    }

    private static Connection connect() throws java.sql.SQLException {
        return java.sql.DriverManager.getConnection(pg.jdbcUrl(), PostgresServer.USER, "");
    }

    private static long count(String node, String event) throws Exception {
        try (Connection connection = connect(); Statement sql = connection.createStatement();
             ResultSet rows = sql.executeQuery("SELECT COUNT(*) FROM sandbox_audit WHERE node = '" + node
                     + "' AND event = '" + event + "'")) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static Map<String, String> params(String node, String... more) {
        Map<String, String> params = new HashMap<>(Map.of("audit-sinks", "jdbc", "audit-jdbc-url", pg.jdbcUrl(),
                "audit-jdbc-user", PostgresServer.USER, "audit-node", node,
                "rate-limits", "off")); // one caller sends thousands of requests: a test of the audit, not the limits
        for (int i = 0; i < more.length; i += 2) {
            params.put(more[i], more[i + 1]);
        }
        return params;
    }

    private static long counter(String node, String attribute) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        for (ObjectName name : server.queryNames(new ObjectName("dev.sandboxgate:type=Audit,*"), null)) {
            if (node.equals(server.getAttribute(name, "Node"))) {
                return ((Number) server.getAttribute(name, attribute)).longValue();
            }
        }
        throw new AssertionError("no audit MBean for node " + node);
    }

    @Test
    void blockModeWaitsForTheDatabaseAndLosesNothing() throws Exception {
        String node = "block-" + System.nanoTime();
        Load load;
        long failed;
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of(), params(node, "audit-overflow", "block",
                     "audit-queue-size", "16", "audit-block-timeout", "60s"))) {
            load = runThroughOutage(gw);
            failed = counter(node, "Failed");
        }
        assertThat(load.of(-1)).as("transport failures").isZero();
        assertThat(load.of(200)).as("all requests answered").isEqualTo(load.total()).isPositive();
        assertThat(failed).as("the outage was seen").isPositive();
        assertThat(count(node, "decision")).isEqualTo(load.total());
        assertThat(count(node, "completed")).isEqualTo(load.of(200));
        try (Connection connection = connect()) {
            assertThat(AuditVerifier.verifyTable(connection, "sandbox_audit").intact()).isTrue();
        }
    }

    @Test
    void spoolModeKeepsServingAndReplaysInOrder() throws Exception {
        String node = "spool-" + System.nanoTime();
        Load load;
        long spooled;
        long replayed;
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of(), params(node, "audit-overflow", "spool",
                     "audit-spool-dir", spoolDir.toString()))) {
            load = runThroughOutage(gw);
            spooled = counter(node, "Spooled");
            Thread.sleep(3_000); // the replay runs within 2 s of the recovery
            replayed = counter(node, "Replayed");
        }
        assertThat(load.of(-1)).as("transport failures").isZero();
        assertThat(load.of(200)).isEqualTo(load.total()).isPositive();
        assertThat(spooled).as("records spooled during the outage").isPositive();
        assertThat(replayed).isEqualTo(spooled);
        assertThat(count(node, "decision")).isEqualTo(load.total());
        assertThat(count(node, "completed")).isEqualTo(load.of(200));
        try (Connection connection = connect()) {
            assertThat(AuditVerifier.verifyTable(connection, "sandbox_audit").intact()).isTrue();
        }
        try (var files = Files.list(spoolDir)) {
            assertThat(files.filter(file -> file.toFile().length() > 0)).as("spool emptied").isEmpty();
        }
    }
}
