package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxgate.filter.ConfigurationException;
import dev.sandboxgate.filter.Settings;
import dev.sandboxgate.filter.jdbc.PostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code sandbox-directory=jdbc} through the real filter and proxy, on H2 and on a real PostgreSQL 15
 * ({@link PostgresServer}), in front of two scripted upstreams that record what reached them.
 */
@ExtendWith(LogLeakGuard.class)
class JdbcSandboxDirectoryTest {
    private static final String TOKEN_A = "jdbc-directory-token-a-0b71c4";
    private static final String TOKEN_B = "jdbc-directory-token-b-e93d25";
    private static final String AUTH = "Authorization: Bearer " + GatewayServer.APP_TOKEN;
    private static PostgresServer postgres;

    private RawUpstream a;
    private RawUpstream b;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = PostgresServer.start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        postgres.close();
    }

    @BeforeEach
    void startUpstreams() throws Exception {
        System.setProperty("sandboxgate.test.jdbc-token-a", TOKEN_A);
        System.setProperty("sandboxgate.test.jdbc-token-b", TOKEN_B);
        a = RawUpstream.healthy();
        b = RawUpstream.healthy();
    }

    @AfterEach
    void stopUpstreams() throws Exception {
        a.close();
        b.close();
        System.clearProperty("sandboxgate.test.jdbc-token-a");
        System.clearProperty("sandboxgate.test.jdbc-token-b");
    }

    static Stream<String> databases() throws Exception {
        return Stream.of("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", postgres.createDatabase());
    }

    private static Map<String, String> proxyParams(String url, String cache) {
        Map<String, String> params = new HashMap<>(Map.of("sandbox-directory", "jdbc",
                "sandbox-directory-jdbc-url", url, "sandbox-directory-cache", cache));
        if (url.startsWith("jdbc:postgresql:")) {
            params.put("sandbox-directory-jdbc-user", PostgresServer.USER);
        }
        return params;
    }

    private static void sql(String url, String statement, String... values) throws Exception {
        try (Connection connection = DriverManager.getConnection(url,
                url.startsWith("jdbc:postgresql:") ? PostgresServer.USER : "", "");
             PreparedStatement prepared = connection.prepareStatement(statement)) {
            for (int i = 0; i < values.length; i++) {
                prepared.setString(i + 1, values[i]);
            }
            prepared.executeUpdate();
        }
    }

    /** Sandboxes a and b, workspace ws_a on a and ws_b on b (the gateway has created the tables by then). */
    private void rows(String url) throws Exception {
        sql(url, "INSERT INTO sandbox_gate_sandbox VALUES (?, ?, ?)", "a", a.url(),
                "${sys:sandboxgate.test.jdbc-token-a}");
        sql(url, "INSERT INTO sandbox_gate_sandbox VALUES (?, ?, ?)", "b", b.url() + "/",
                "${sys:sandboxgate.test.jdbc-token-b}");
        sql(url, "INSERT INTO sandbox_gate_workspace VALUES (?, ?)", "ws_a", "a");
        sql(url, "INSERT INTO sandbox_gate_workspace VALUES (?, ?)", "ws_b", "b");
    }

    private static RawClient.Response health(GatewayServer gw, String workspace) throws Exception {
        return RawClient.exchange(gw.baseUrl(), "GET /sandbox/" + workspace + "/v1/health HTTP/1.1\r\nHost: gw\r\n"
                + AUTH + "\r\nConnection: close", null);
    }

    @ParameterizedTest
    @MethodSource("databases")
    void eachWorkspaceReachesOnlyItsOwnSandboxWithItsOwnToken(String url) throws Exception {
        try (GatewayServer gw = GatewayServer.start("http://127.0.0.1:9", proxyParams(url,
                "maximumSize=100,expireAfterWrite=1m"), Map.of())) {
            rows(url);
            for (String workspace : new String[] {"ws_a", "ws_b", "ws_a", "ws_b"}) {
                assertThat(health(gw, workspace).status()).isEqualTo(200);
                RawUpstream own = workspace.equals("ws_a") ? a : b;
                RawUpstream other = workspace.equals("ws_a") ? b : a;
                RawUpstream.Head head = own.nextRequest(5, TimeUnit.SECONDS);
                assertThat(head.first("Authorization"))
                        .isEqualTo("Bearer " + (workspace.equals("ws_a") ? TOKEN_A : TOKEN_B));
                assertThat(head.target()).isEqualTo("/v1/health");
                assertThat(other.nextRequest(0, TimeUnit.MILLISECONDS)).isNull();
            }
            RawClient.Response unknown = health(gw, "ws_c");
            assertThat(unknown.status()).isEqualTo(404);
            assertThat(unknown.bodyText()).contains("urn:sandbox-gate:problem:workspace-not-found");

            sql(url, "INSERT INTO sandbox_gate_workspace VALUES (?, ?)", "*", "b");
            assertThat(health(gw, "ws_d").status()).isEqualTo(200); // not cached yet: the fallback row serves it
            assertThat(b.nextRequest(5, TimeUnit.SECONDS).first("Authorization")).isEqualTo("Bearer " + TOKEN_B);
            assertThat(a.connectionCount() + b.connectionCount()).isEqualTo(5);
        }
    }

    @ParameterizedTest
    @MethodSource("databases")
    void answersAreCachedSoTheDatabaseIsNotAskedPerRequest(String url) throws Exception {
        try (GatewayServer gw = GatewayServer.start("http://127.0.0.1:9", proxyParams(url,
                "maximumSize=100,expireAfterWrite=1h"), Map.of())) {
            rows(url);
            assertThat(health(gw, "ws_a").status()).isEqualTo(200);
            assertThat(health(gw, "ws_c").status()).isEqualTo(404);
            // Within the expiry, neither the moved workspace nor the new one is read again.
            sql(url, "UPDATE sandbox_gate_workspace SET sandbox_id = ? WHERE workspace_id = ?", "b", "ws_a");
            sql(url, "INSERT INTO sandbox_gate_workspace VALUES (?, ?)", "ws_c", "b");
            assertThat(health(gw, "ws_a").status()).isEqualTo(200);
            assertThat(health(gw, "ws_c").status()).isEqualTo(404);
            assertThat(a.requestCount()).isEqualTo(2);
            assertThat(b.requestCount()).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("databases")
    void anUnusableRowIsRefusedWithNothingForwarded(String url) throws Exception {
        try (GatewayServer gw = GatewayServer.start("http://127.0.0.1:9", proxyParams(url,
                "maximumSize=100,expireAfterWrite=1m"), Map.of())) {
            rows(url);
            sql(url, "INSERT INTO sandbox_gate_sandbox VALUES (?, ?, ?)", "literal", a.url(), TOKEN_A);
            sql(url, "INSERT INTO sandbox_gate_sandbox VALUES (?, ?, ?)", "unset", a.url(),
                    "${env:SANDBOXGATE_TEST_NO_SUCH_VARIABLE}");
            sql(url, "INSERT INTO sandbox_gate_workspace VALUES (?, ?)", "ws_literal", "literal");
            sql(url, "INSERT INTO sandbox_gate_workspace VALUES (?, ?)", "ws_unset", "unset");
            for (String workspace : new String[] {"ws_literal", "ws_unset"}) {
                RawClient.Response refused = health(gw, workspace);
                assertThat(refused.status()).as(workspace).isEqualTo(503);
                assertThat(refused.bodyText()).contains("urn:sandbox-gate:problem:directory-unavailable")
                        .doesNotContain(TOKEN_A);
            }
            assertThat(a.connectionCount()).isZero();
        }
    }

    @Test
    void aDatabaseThatStopsAnsweringFailsClosedExceptForCachedWorkspaces() throws Exception {
        try (PostgresServer own = PostgresServer.start()) {
            String ownUrl = own.createDatabase();
            try (GatewayServer gw = GatewayServer.start("http://127.0.0.1:9", proxyParams(ownUrl,
                    "maximumSize=100,expireAfterWrite=1h"), Map.of())) {
                rows(ownUrl);
                assertThat(health(gw, "ws_a").status()).isEqualTo(200);
                own.close();
                assertThat(health(gw, "ws_a").status()).isEqualTo(200); // cached
                RawClient.Response refused = health(gw, "ws_b");
                assertThat(refused.status()).isEqualTo(503);
                assertThat(refused.bodyText()).contains("directory-unavailable");
                assertThat(b.connectionCount()).isZero();
            }
        }
    }

    @Test
    void aDirectoryWithoutDatabaseOrBoundsStopsDeployment() {
        assertThatThrownBy(() -> build(Map.of("sandbox-directory", "jdbc")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'sandbox-directory-jdbc-url'");
        assertThatThrownBy(() -> build(Map.of("sandbox-directory", "jdbc", "sandbox-directory-jdbc-url",
                "jdbc:h2:mem:x", "sandbox-directory-cache", "maximumSize=10")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("bounded, expiring");
        assertThatThrownBy(() -> build(Map.of("sandbox-directory", "jdbc", "sandbox-directory-jdbc-url",
                "jdbc:h2:mem:x", "sandbox-directory-cache", "maximumSize=lots")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'sandbox-directory-cache'");
    }

    private static SandboxDirectory build(Map<String, String> params) {
        Map<String, String> copy = Map.copyOf(params);
        Settings settings = Settings.of("SandboxProxyServlet", copy::get, name -> null, name -> null);
        return SandboxDirectories.from(settings, ProxySettings.from(settings));
    }
}
