package dev.sandboxgate.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxgate.filter.jdbc.PostgresServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code session-registry=jdbc} as deployed: the launcher's gateway (the sample {@code web.xml}, configured through
 * the environment) keeps ACP session bindings in a real PostgreSQL 15, in front of the real Sandbox Agent server.
 * Ann starts a session; Bob, a member of the same workspace, may not prompt it, neither after the gateway restarts
 * (an in-memory registry would have forgotten, letting the next caller claim it) nor on a second gateway running
 * beside it (a cluster).
 */
class SessionRegistryAcrossRestartsIT {
    private static final String ANN_KEY = "sgk_ann_" + UUID.randomUUID().toString().replace("-", "");
    private static final String BOB_KEY = "sgk_bob_" + UUID.randomUUID().toString().replace("-", "");

    @Test
    void aSessionStaysItsCreatorsAcrossRestartsAndGateways() throws Exception {
        try (PostgresServer postgres = PostgresServer.start(); SandboxAgentServer sandbox = SandboxAgentServer.start()) {
            String url = postgres.createDatabase();
            Map<String, String> env = new HashMap<>(Map.of("SANDBOX_URL", sandbox.url(),
                    "SANDBOX_TOKEN", sandbox.token(), "API_KEYS_FILE", apiKeys().toString(),
                    "SANDBOX_SESSION_REGISTRY", "jdbc", "SANDBOX_SESSION_REGISTRY_JDBC_URL", url,
                    "SANDBOX_SESSION_REGISTRY_JDBC_USER", PostgresServer.USER));
            String sessionId;
            try (GatewayProcess first = GatewayProcess.start(env, List.of())) {
                sessionId = new AcpClient(first.baseUrl("ws_r"), ANN_KEY).startSession("s-ann", "/tmp");
                assertBobIsRefused(first, sessionId);
                assertSecretsStayOut(first, sandbox);
            }
            try (PostgresRow row = PostgresRow.of(url, "s-ann")) {
                assertThat(row.workspace()).isEqualTo("ws_r");
                assertThat(row.creator()).isEqualTo("ann");
            }

            try (GatewayProcess restarted = GatewayProcess.start(env, List.of());
                 GatewayProcess beside = GatewayProcess.start(env, List.of())) {
                assertBobIsRefused(restarted, sessionId);
                assertBobIsRefused(beside, sessionId);
                assertThat(new AcpClient(beside.baseUrl("ws_r"), ANN_KEY).prompt("s-ann", sessionId, "chunks=1"))
                        .contains("end_turn");
                assertSecretsStayOut(restarted, sandbox);
                assertSecretsStayOut(beside, sandbox);
            }
        }
    }

    private static void assertBobIsRefused(GatewayProcess gateway, String sessionId) {
        assertThatThrownBy(() -> new AcpClient(gateway.baseUrl("ws_r"), BOB_KEY).prompt("s-ann", sessionId, "bob"))
                .isInstanceOf(IOException.class).hasMessageContaining("answered 403")
                .hasMessageContaining("urn:sandbox-gate:problem:operation-forbidden");
    }

    private static void assertSecretsStayOut(GatewayProcess gateway, SandboxAgentServer sandbox) throws IOException {
        assertThat(gateway.output()).doesNotContain(ANN_KEY).doesNotContain(BOB_KEY).doesNotContain(sandbox.token());
    }

    private static Path apiKeys() throws Exception {
        Path file = Files.createTempFile("api-keys", ".txt");
        Files.writeString(file, line(ANN_KEY, "ann") + line(BOB_KEY, "bob"));
        return file;
    }

    private static String line(String key, String subject) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(key.getBytes(StandardCharsets.UTF_8))) + " " + subject + " ws_r=member\n";
    }

    /** The registry's row for a server id, read straight from the database. */
    private record PostgresRow(Connection connection, String workspace, String creator) implements AutoCloseable {
        static PostgresRow of(String url, String serverId) throws Exception {
            Connection connection = DriverManager.getConnection(url, PostgresServer.USER, "");
            try (Statement statement = connection.createStatement();
                 ResultSet row = statement.executeQuery("SELECT workspace_id, creator FROM sandbox_gate_acp_binding"
                         + " WHERE server_id = '" + serverId + "'")) {
                assertThat(row.next()).as("a row for " + serverId).isTrue();
                return new PostgresRow(connection, row.getString(1), row.getString(2));
            }
        }

        @Override
        public void close() throws SQLException {
            connection.close();
        }
    }
}
