package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.audit.AuditQuery;
import dev.sandboxgate.filter.audit.AuditRecord;
import dev.sandboxgate.filter.audit.AuditVerifier;
import io.jsonwebtoken.Jwts;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The audit trail through the real filter and proxy: what each kind of request leaves in the log sink and the JDBC
 * sink (embedded H2), and that no credential used anywhere in the test reaches either.
 */
@ExtendWith(LogLeakGuard.class)
class AuditThroughGatewayTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final String COOKIE = "gate-session-cookie-41d9aa";
    private static final String HMAC_SECRET = "audit-test-hmac-secret-0123456789abcdef";

    private final String db = "jdbc:h2:mem:audit-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1";
    private final String node = "node-" + System.nanoTime();
    private AuditLines log;

    @BeforeEach
    void capture() {
        log = AuditLines.capture();
    }

    @AfterEach
    void release() {
        log.close();
    }

    private Map<String, String> auditParams(String... more) {
        Map<String, String> params = new HashMap<>(Map.of("audit-sinks", "log,jdbc", "audit-jdbc-url", db,
                "audit-node", node, "jwt-hmac-secret", HMAC_SECRET));
        for (int i = 0; i < more.length; i += 2) {
            params.put(more[i], more[i + 1]);
        }
        return params;
    }

    private static HttpResponse<String> get(String url, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The node's records in the JDBC sink once {@code until} holds for them (the writer is asynchronous). */
    private List<AuditRecord> stored(Predicate<List<AuditRecord>> until) throws Exception {
        return eventually(() -> {
            try (Connection connection = DriverManager.getConnection(db)) {
                return AuditQuery.list(connection, "sandbox_audit", null, null, null, null, 10_000).stream()
                        .filter(record -> record.node().equals(node)).toList();
            } catch (java.sql.SQLException tableNotYetCreated) {
                return List.<AuditRecord>of();
            }
        }, until);
    }

    private static <T> T eventually(Callable<T> read, Predicate<T> until) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        T value = read.call();
        while (!until.test(value) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            value = read.call();
        }
        return value;
    }

    private static List<AuditRecord> of(List<AuditRecord> records, String requestId) {
        return records.stream().filter(record -> requestId.equals(record.requestId())).toList();
    }

    @Test
    void anAllowedRequestLeavesItsDecisionAndItsCompletion() throws Exception {
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of(), auditParams())) {
            String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
            HttpResponse<String> response = get(gw.mountUrl() + "/ws_1/v1/health?verbose=1",
                    "Authorization", "Bearer " + GatewayServer.APP_TOKEN, "User-Agent", "audit-test/1.0",
                    "traceparent", "00-" + traceId + "-00f067aa0ba902b7-01");
            String id = response.headers().firstValue("X-Request-Id").orElseThrow();

            List<AuditRecord> records = of(stored(all -> of(all, id).size() == 2), id);

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(records).extracting(AuditRecord::event).containsExactly("decision", "completed");
            AuditRecord decision = records.get(0);
            assertThat(decision.decision()).isEqualTo("allowed");
            assertThat(decision.reason()).isNull();
            assertThat(decision.status()).isNull();
            assertThat(decision.subject()).isEqualTo("app");
            assertThat(decision.authMethod()).isNotBlank();
            assertThat(decision.workspace()).isEqualTo("ws_1");
            assertThat(decision.operation()).isEqualTo("health");
            assertThat(decision.method()).isEqualTo("GET");
            assertThat(decision.path()).isEqualTo("/ws_1/v1/health");
            assertThat(decision.query()).isEqualTo("verbose=1");
            assertThat(decision.clientIp()).isEqualTo("127.0.0.1");
            assertThat(decision.userAgent()).isEqualTo("audit-test/1.0");
            // The caller's trace: the same id the sandbox received in the forwarded traceparent.
            assertThat(decision.traceId()).isEqualTo(traceId);
            assertThat(up.nextRequest(5, TimeUnit.SECONDS).first("traceparent")).contains(traceId);
            AuditRecord completed = records.get(1);
            assertThat(completed.traceId()).isEqualTo(traceId);
            assertThat(completed.status()).isEqualTo(200);
            assertThat(completed.bytesOut()).isEqualTo(response.body().length());
            assertThat(completed.bytesIn()).isZero();
            assertThat(completed.endedBy()).isEqualTo("UPSTREAM");
            assertThat(completed.durationMs()).isNotNull().isNotNegative();
            assertThat(completed.sandboxId()).isNotBlank();
            assertThat(completed.subject()).isEqualTo("app");
            assertThat(completed.seq()).isGreaterThan(decision.seq());
            // The log sink wrote the very same records.
            assertThat(eventually(log::records, all -> of(all, id).size() == 2).stream()
                    .filter(record -> node.equals(record.node()) && id.equals(record.requestId())))
                    .containsExactlyElementsOf(records);
        }
    }

    @Test
    void refusalsAreRecordedWithTheirReasonAndNeverComplete() throws Exception {
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of(), auditParams())) {
            HttpResponse<String> unauthenticated = get(gw.mountUrl() + "/ws_1/v1/health");
            HttpResponse<String> forbidden = get(gw.mountUrl() + "/ws_1/ui/",
                    "Authorization", "Bearer " + GatewayServer.APP_TOKEN);
            String id401 = unauthenticated.headers().firstValue("X-Request-Id").orElseThrow();
            String id403 = forbidden.headers().firstValue("X-Request-Id").orElseThrow();

            List<AuditRecord> records = stored(all -> of(all, id401).size() == 1 && of(all, id403).size() == 1);
            Thread.sleep(300); // a completed record, wrongly written, would come within this

            assertThat(unauthenticated.statusCode()).isEqualTo(401);
            assertThat(forbidden.statusCode()).isEqualTo(403);
            AuditRecord denied401 = of(stored(all -> true), id401).get(0);
            assertThat(of(stored(all -> true), id401)).hasSize(1);
            assertThat(denied401.decision()).isEqualTo("denied");
            assertThat(denied401.reason()).isEqualTo("urn:sandbox-gate:problem:credential-missing");
            assertThat(denied401.status()).isEqualTo(401);
            assertThat(denied401.subject()).isNull();
            assertThat(denied401.path()).isEqualTo("/ws_1/v1/health");
            AuditRecord denied403 = of(records, id403).get(0);
            assertThat(of(stored(all -> true), id403)).hasSize(1);
            assertThat(denied403.decision()).isEqualTo("denied");
            assertThat(denied403.reason()).isEqualTo("urn:sandbox-gate:problem:route-not-allowed");
            assertThat(denied403.status()).isEqualTo(403);
            assertThat(denied403.subject()).isEqualTo("app");
            assertThat(denied403.workspace()).isEqualTo("ws_1");
            assertThat(up.requestCount()).isZero();
        }
    }

    @Test
    void anUnreachableSandboxCompletesAsAnError() throws Exception {
        String deadUrl;
        try (RawUpstream gone = RawUpstream.healthy()) {
            deadUrl = gone.url();
        }
        try (GatewayServer gw = GatewayServer.start(deadUrl, Map.of(), auditParams())) {
            HttpResponse<String> response = get(gw.mountUrl() + "/ws_1/v1/health",
                    "Authorization", "Bearer " + GatewayServer.APP_TOKEN);
            String id = response.headers().firstValue("X-Request-Id").orElseThrow();

            List<AuditRecord> records = of(stored(all -> of(all, id).size() == 2), id);

            assertThat(response.statusCode()).isEqualTo(502);
            assertThat(records.get(0).decision()).isEqualTo("allowed");
            assertThat(records.get(1).event()).isEqualTo("completed");
            assertThat(records.get(1).status()).isEqualTo(502);
            assertThat(records.get(1).endedBy()).isEqualTo("ERROR");
        }
    }

    @Test
    void anEventStreamIsRecordedWhenItStartsAndCompletedWhenItEnds() throws Exception {
        try (RawUpstream up = RawUpstream.endlessEvents(600);
             GatewayServer gw = GatewayServer.start(up.url(), Map.of(), auditParams())) {
            HttpResponse<InputStream> response = CLIENT.send(HttpRequest.newBuilder(URI.create(gw.mountUrl()
                            + "/ws_1/v1/acp/s-7?access_token=" + GatewayServer.APP_TOKEN))
                    .header("Accept", "text/event-stream").header("Cookie", "session=" + COOKIE).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            String id = response.headers().firstValue("X-Request-Id").orElseThrow();
            InputStream body = response.body();
            assertThat(body.read(new byte[16])).isPositive();

            List<AuditRecord> whileOpen = of(stored(all -> !of(all, id).isEmpty()), id);
            assertThat(whileOpen).extracting(AuditRecord::event).containsExactly("decision");
            assertThat(whileOpen.get(0).operation()).isEqualTo("acp.stream");
            assertThat(whileOpen.get(0).session()).isEqualTo("s-7");
            assertThat(whileOpen.get(0).query()).isEqualTo("access_token=REDACTED");
            body.close();

            List<AuditRecord> after = of(stored(all -> of(all, id).size() == 2), id);
            assertThat(after).extracting(AuditRecord::event).containsExactly("decision", "completed");
            assertThat(after.get(1).endedBy()).isEqualTo("CLIENT");
            assertThat(after.get(1).bytesOut()).isPositive();
        }
    }

    @Test
    void aPromptIsRecordedAsItsHashByDefault() throws Exception {
        String prompt = "write the quarterly report";
        try (RawUpstream up = new RawUpstream((head, in, out) -> {
            RawUpstream.readBody(head, in);
            RawUpstream.respond(out, 200, "application/json", "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}"
                    .getBytes(StandardCharsets.UTF_8));
        }); GatewayServer gw = GatewayServer.start(up.url(), Map.of(), auditParams())) {
            HttpResponse<String> response = prompt(gw, prompt);
            String id = response.headers().firstValue("X-Request-Id").orElseThrow();

            AuditRecord decision = of(stored(all -> of(all, id).size() == 2), id).get(0);

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(decision.rpcMethod()).isEqualTo("session/prompt");
            assertThat(decision.session()).isEqualTo("s-9");
            assertThat(decision.prompt()).isEqualTo("sha256:" + sha256(prompt));
            assertThat(decision.promptChars()).isEqualTo(prompt.length());
            assertThat(String.join("\n", log.lines())).doesNotContain(prompt);
        }
    }

    @Test
    void aFullPromptIsCappedWhenConfiguredSo() throws Exception {
        String prompt = "x".repeat(100);
        try (RawUpstream up = new RawUpstream((head, in, out) -> {
            RawUpstream.readBody(head, in);
            RawUpstream.respond(out, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
        }); GatewayServer gw = GatewayServer.start(up.url(), Map.of(),
                auditParams("audit-prompt", "full", "audit-prompt-max", "40"))) {
            HttpResponse<String> response = prompt(gw, prompt);
            String id = response.headers().firstValue("X-Request-Id").orElseThrow();

            AuditRecord decision = of(stored(all -> of(all, id).size() == 2), id).get(0);

            assertThat(decision.prompt()).isEqualTo("x".repeat(40));
            assertThat(decision.promptChars()).isEqualTo(100);
        }
    }

    @Test
    void noCredentialUsedReachesAnySinkAndTheChainVerifies() throws Exception {
        String jwt = Jwts.builder().subject("jwt-user").claim("workspaceId", "ws_1").claim("role", "owner")
                .expiration(new java.util.Date(System.currentTimeMillis() + 600_000))
                .signWith(io.jsonwebtoken.security.Keys.hmacShaKeyFor(HMAC_SECRET.getBytes(StandardCharsets.UTF_8)))
                .compact();
        String apiKey = "caller-api-key-5be0c2";
        List<String> secrets = List.of(GatewayServer.APP_TOKEN, GatewayServer.SANDBOX_TOKEN, jwt, apiKey, COOKIE,
                HMAC_SECRET);
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of(), auditParams())) {
            String[][] calls = {
                {"/ws_1/v1/health", "Authorization", "Bearer " + GatewayServer.APP_TOKEN},
                {"/ws_1/v1/health", "Authorization", "Bearer " + jwt},
                {"/ws_1/v1/health", "Authorization", "Bearer " + jwt + "x"},
                {"/ws_1/v1/health", "Authorization", "Bearer " + apiKey},
                {"/ws_1/v1/health?api_key=" + apiKey + "&token=" + jwt, "Authorization",
                    "Bearer " + GatewayServer.APP_TOKEN},
                {"/ws_1/v1/health?access_token=" + jwt, "Cookie", "session=" + COOKIE},
                {"/ws_1/v1/fs/file?path=/workspace/a&password=" + apiKey, "X-API-Key", apiKey},
                {"/ws_1/v1/health?x=" + jwt, "Proxy-Authorization", "Bearer " + GatewayServer.APP_TOKEN},
            };
            for (String[] call : calls) {
                get(gw.mountUrl() + call[0], call[1], call[2], "User-Agent", "scanner");
            }
            List<AuditRecord> records = stored(all -> all.stream()
                    .filter(record -> "decision".equals(record.event())).count() == calls.length);
            assertThat(records.stream().filter(record -> "decision".equals(record.event()))).hasSize(calls.length);
        }
        // The gateway is closed: every sink has written everything.
        StringBuilder everything = new StringBuilder(String.join("\n", log.lines()));
        try (Connection connection = DriverManager.getConnection(db);
             Statement sql = connection.createStatement();
             ResultSet rows = sql.executeQuery("SELECT * FROM sandbox_audit")) {
            ResultSetMetaData columns = rows.getMetaData();
            while (rows.next()) {
                for (int i = 1; i <= columns.getColumnCount(); i++) {
                    everything.append(' ').append(rows.getString(i));
                }
            }
            assertThat(AuditVerifier.verifyTable(connection, "sandbox_audit").intact()).isTrue();
        }
        assertThat(everything).contains("REDACTED");
        for (String secret : secrets) {
            assertThat(everything.toString()).as("the sinks' output").doesNotContain(secret);
        }
        assertThat(AuditVerifier.verifyLines(log.lines()).intact()).isTrue();
    }

    /** Sends {@code text} as a {@code session/prompt} to ACP server {@code s-9} of {@code ws_1}. */
    private static HttpResponse<String> prompt(GatewayServer gw, String text) throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"session/prompt\",\"params\":{\"sessionId\":\"x\","
                + "\"prompt\":[{\"type\":\"text\",\"text\":\"" + text + "\"}]}}";
        return CLIENT.send(HttpRequest.newBuilder(URI.create(gw.mountUrl() + "/ws_1/v1/acp/s-9"))
                .header("Authorization", "Bearer " + GatewayServer.APP_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String sha256(String text) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
