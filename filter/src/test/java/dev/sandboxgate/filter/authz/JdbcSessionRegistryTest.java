package dev.sandboxgate.filter.authz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxgate.filter.ConfigurationException;
import dev.sandboxgate.filter.Settings;
import dev.sandboxgate.filter.jdbc.Database;
import dev.sandboxgate.filter.jdbc.PostgresServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code session-registry=jdbc} against the databases it is meant for: H2 (in memory and in a file) and a real
 * PostgreSQL 15 server ({@link PostgresServer}). Two registries over one database stand for two gateways of a
 * cluster, each with its own connection pool.
 */
class JdbcSessionRegistryTest {
    private static PostgresServer postgres;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = PostgresServer.start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        postgres.close();
    }

    /** A fresh, empty database of each kind, by its JDBC URL. */
    static Stream<String> databases() throws Exception {
        return Stream.of("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", postgres.createDatabase());
    }

    private static Settings settings(Map<String, String> params) {
        Map<String, String> copy = Map.copyOf(params);
        return Settings.of("test", copy::get, name -> null, name -> null);
    }

    private static JdbcSessionRegistry registry(String url) {
        Map<String, String> params = new HashMap<>(Map.of("session-registry-jdbc-url", url));
        if (url.startsWith("jdbc:postgresql:")) {
            params.put("session-registry-jdbc-user", PostgresServer.USER);
        }
        return new JdbcSessionRegistry(Database.from(settings(params), "session-registry"), 1_000,
                Clock.systemUTC());
    }

    @ParameterizedTest
    @MethodSource("databases")
    void theFirstWorkspaceToUseAnIdKeepsItAndTheFirstSenderBecomesItsCreator(String url) {
        try (JdbcSessionRegistry registry = registry(url)) {
            assertThat(registry.find("s")).isNull();
            assertThat(registry.claim("s", "ws_a", null)).isEqualTo(new SessionRegistry.Binding("ws_a", null));
            assertThat(registry.claim("s", "ws_b", "ben")).isEqualTo(new SessionRegistry.Binding("ws_a", null));
            assertThat(registry.claim("s", "ws_a", "ann")).isEqualTo(new SessionRegistry.Binding("ws_a", "ann"));
            assertThat(registry.claim("s", "ws_a", "amy")).isEqualTo(new SessionRegistry.Binding("ws_a", "ann"));
            assertThat(registry.find("s")).isEqualTo(new SessionRegistry.Binding("ws_a", "ann"));
            assertThat(registry.claim("t", "ws_b", "ben")).isEqualTo(new SessionRegistry.Binding("ws_b", "ben"));
        }
    }

    @ParameterizedTest
    @MethodSource("databases")
    void aSecondGatewaySeesTheFirstOnesBindingsAndCompletesThem(String url) {
        try (JdbcSessionRegistry first = registry(url); JdbcSessionRegistry second = registry(url)) {
            first.claim("streamed-first", "ws_a", null);
            assertThat(second.find("streamed-first")).isEqualTo(new SessionRegistry.Binding("ws_a", null));
            // The creator recorded through the second gateway is what the first one reads next (not a stale cache).
            assertThat(second.claim("streamed-first", "ws_a", "ann"))
                    .isEqualTo(new SessionRegistry.Binding("ws_a", "ann"));
            assertThat(first.find("streamed-first")).isEqualTo(new SessionRegistry.Binding("ws_a", "ann"));
            assertThat(first.claim("streamed-first", "ws_a", "amy"))
                    .isEqualTo(new SessionRegistry.Binding("ws_a", "ann"));
        }
    }

    @ParameterizedTest
    @MethodSource("databases")
    void concurrentFirstMessagesFromTwoGatewaysAgreeOnOneBinding(String url) throws Exception {
        int ids = 100;
        int threads = 8;
        try (JdbcSessionRegistry first = registry(url); JdbcSessionRegistry second = registry(url)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CyclicBarrier start = new CyclicBarrier(threads);
                List<Future<List<SessionRegistry.Binding>>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    SessionRegistry node = t % 2 == 0 ? first : second;
                    String workspace = "ws_" + (t % 3);
                    String creator = t % 4 == 3 ? null : "user-" + t;
                    Callable<List<SessionRegistry.Binding>> claims = () -> {
                        start.await(10, TimeUnit.SECONDS);
                        List<SessionRegistry.Binding> seen = new ArrayList<>();
                        for (int i = 0; i < ids; i++) {
                            seen.add(node.claim("race-" + i, workspace, creator));
                        }
                        return seen;
                    };
                    results.add(pool.submit(claims));
                }
                List<List<SessionRegistry.Binding>> all = new ArrayList<>();
                for (Future<List<SessionRegistry.Binding>> result : results) {
                    all.add(result.get(60, TimeUnit.SECONDS));
                }
                for (int i = 0; i < ids; i++) {
                    SessionRegistry.Binding stored = first.find("race-" + i);
                    for (List<SessionRegistry.Binding> seen : all) {
                        // Every claim saw the winner's workspace; a creator, once recorded, is the stored one.
                        assertThat(seen.get(i).workspaceId()).as("race-" + i).isEqualTo(stored.workspaceId());
                        if (seen.get(i).creator() != null) {
                            assertThat(seen.get(i).creator()).as("race-" + i).isEqualTo(stored.creator());
                        }
                    }
                    assertThat(second.find("race-" + i)).isEqualTo(stored);
                }
                assertThat(rows(url)).isEqualTo(ids);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("databases")
    void idsOfAnyLengthAreKeyedByTheirHash(String url) {
        String longId = "sdk-" + "x".repeat(6_000);
        try (JdbcSessionRegistry registry = registry(url)) {
            assertThat(registry.claim(longId, "ws_a", "ann")).isEqualTo(new SessionRegistry.Binding("ws_a", "ann"));
            assertThat(registry.find(longId + "y")).isNull();
        }
        try (JdbcSessionRegistry restarted = registry(url)) {
            assertThat(restarted.find(longId)).isEqualTo(new SessionRegistry.Binding("ws_a", "ann"));
        }
    }

    @Test
    void bindingsSurviveARestartOfTheGateway(@TempDir Path dir) {
        String url = "jdbc:h2:file:" + dir.resolve("registry");
        try (JdbcSessionRegistry before = registry(url)) {
            before.claim("kept", "ws_a", "ann");
            before.claim("streamed", "ws_b", null);
        }
        try (JdbcSessionRegistry after = registry(url)) {
            assertThat(after.find("kept")).isEqualTo(new SessionRegistry.Binding("ws_a", "ann"));
            assertThat(after.claim("kept", "ws_b", "ben")).isEqualTo(new SessionRegistry.Binding("ws_a", "ann"));
            assertThat(after.find("streamed")).isEqualTo(new SessionRegistry.Binding("ws_b", null));
        }
    }

    @Test
    void aTableCreatedByTheOperatorIsUsedAsItIs() throws Exception {
        String url = postgres.createDatabase();
        try (Connection connection = DriverManager.getConnection(url, PostgresServer.USER, "");
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE sandbox_gate_acp_binding (server_key CHAR(64) PRIMARY KEY, "
                    + "server_id TEXT NOT NULL, workspace_id TEXT NOT NULL, creator TEXT, bound_at TIMESTAMP NOT NULL)");
            statement.execute("INSERT INTO sandbox_gate_acp_binding VALUES ('" + JdbcSessionRegistry.key("old")
                    + "', 'old', 'ws_a', 'ann', now())");
        }
        try (JdbcSessionRegistry registry = registry(url)) {
            assertThat(registry.find("old")).isEqualTo(new SessionRegistry.Binding("ws_a", "ann"));
        }
    }

    @Test
    void theStageIsBuiltFromInitParamsAndFailsClosedWithoutADatabase() throws Exception {
        String url = postgres.createDatabase();
        Object stage = Authorization.stage(settings(Map.of("session-registry", "jdbc",
                "session-registry-jdbc-url", url, "session-registry-jdbc-user", PostgresServer.USER)));
        assertThat(stage).isInstanceOf(AutoCloseable.class);
        ((AutoCloseable) stage).close();
        assertThat(rows(url)).isZero(); // the table exists

        assertThatThrownBy(() -> Authorization.stage(settings(Map.of("session-registry", "jdbc"))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'session-registry-datasource'").hasMessageContaining("'session-registry-jdbc-url'");
        assertThatThrownBy(() -> Authorization.stage(settings(Map.of("session-registry", "jdbc",
                "session-registry-datasource", "java:comp/env/jdbc/x", "session-registry-jdbc-url", url))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("not both");
        assertThatThrownBy(() -> Authorization.stage(settings(Map.of("session-registry", "redis"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'memory', 'jdbc'");
        // Nobody listens here: deployment stops, naming the param, never quoting the URL's password.
        assertThatThrownBy(() -> Authorization.stage(settings(Map.of("session-registry", "jdbc",
                "session-registry-jdbc-url", "jdbc:postgresql://127.0.0.1:1/x?password=hunter2-secret"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'session-registry-jdbc-url'")
                .hasMessageNotContaining("hunter2-secret");
    }

    @Test
    void aDatabaseThatGoesAwayFailsTheCheckInsteadOfAllowingIt() throws Exception {
        String url = postgres.createDatabase();
        JdbcSessionRegistry registry = registry(url);
        registry.close(); // the pool is gone: every query fails, as with a database that is down
        assertThatThrownBy(() -> registry.find("any")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("session registry unavailable");
        assertThatThrownBy(() -> registry.claim("any", "ws_a", "ann")).isInstanceOf(IllegalStateException.class);
    }

    private static int rows(String url) throws Exception {
        try (Connection connection = DriverManager.getConnection(url, url.startsWith("jdbc:postgresql:")
                ? PostgresServer.USER : "", "");
             Statement statement = connection.createStatement();
             ResultSet count = statement.executeQuery("SELECT COUNT(*) FROM sandbox_gate_acp_binding")) {
            count.next();
            return count.getInt(1);
        }
    }

}
