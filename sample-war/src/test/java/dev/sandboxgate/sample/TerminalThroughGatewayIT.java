package dev.sandboxgate.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.proxy.RawClient;
import io.jsonwebtoken.Jwts;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The SDK's interactive terminal ({@code e2e/terminal-flow.mjs}: {@code createProcess} with a tty,
 * {@code connectProcessTerminal}, input, resize, close, exit) against the real Sandbox Agent server, directly and
 * through the launcher's gateway; and the handshakes the gateway must refuse before the sandbox sees anything, checked
 * against the sandbox's own request log.
 */
class TerminalThroughGatewayIT {
    private static final String APP_TOKEN = "terminal-it-app-token-51c9";
    private static final String SECRET = "terminal-it-hmac-secret-0123456789abcdef";
    private static final Pattern TERMINAL_REQUEST = Pattern.compile("uri=/v1/processes/[^ ]*/terminal/ws");

    @RegisterExtension
    @Order(1)
    static final PerClass<SandboxAgentServer> sandbox = PerClass.start(SandboxAgentServer::start);
    @RegisterExtension
    @Order(2)
    static final PerClass<GatewayProcess> gateway = PerClass.start(() -> GatewayProcess.start(Map.of(
            "SANDBOX_URL", sandbox.get().url(), "SANDBOX_TOKEN", sandbox.get().token(),
            "APP_API_TOKEN", APP_TOKEN, "JWT_HS256_SECRET", SECRET), List.of()));

    @AfterAll
    static void noSecretInTheGatewayOutput() throws Exception {
        assertThat(gateway.get().output()).as("gateway output").doesNotContain(sandbox.get().token())
                .doesNotContain(APP_TOKEN).doesNotContain(SECRET);
    }

    @Test
    void theSdksTerminalWorksDirectlyAgainstTheSandbox() throws Exception {
        SdkFlow.Run run = SdkFlow.terminal(sandbox.get().url(),
                Map.of("SANDBOX_GATE_E2E_TOKEN", sandbox.get().token()));
        assertSteps(run);
    }

    @Test
    void theSdksTerminalWorksThroughTheGatewayWithTheCallersToken() throws Exception {
        SdkFlow.Run run = SdkFlow.terminal(gateway.get().baseUrl("ws_term"),
                Map.of("SANDBOX_GATE_E2E_TOKEN", APP_TOKEN));
        assertSteps(run);
        assertThat(run.output()).doesNotContain(APP_TOKEN);
        // The sandbox saw its own token on the terminal sockets, never the caller's (its log shows the query).
        assertThat(sandbox.get().requestLog()).contains("/terminal/ws").doesNotContain(APP_TOKEN);
    }

    @Test
    void theSdksTerminalWorksThroughTheWarOnTomcat() throws Exception {
        try (GatewayProcess tomcat = GatewayProcess.startOnTomcat(Map.of("SANDBOX_URL", sandbox.get().url(),
                "SANDBOX_TOKEN", sandbox.get().token(), "APP_API_TOKEN", APP_TOKEN))) {
            SdkFlow.Run run = SdkFlow.terminal(tomcat.baseUrl("ws_tomcat"), Map.of("SANDBOX_GATE_E2E_TOKEN", APP_TOKEN));
            assertSteps(run);
            long before = terminalRequests();
            RawClient.Response refused = RawClient.exchange(tomcat.baseUrl("x").replaceFirst("/sandbox/x$", ""),
                    "GET /sandbox/ws_tomcat/v1/processes/proc_1/terminal/ws?access_token=bogus-token HTTP/1.1\r\n"
                    + "Host: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13", null);
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.first("content-type")).startsWith("application/problem+json");
            Thread.sleep(200);
            assertThat(terminalRequests()).isEqualTo(before);
            assertThat(tomcat.output()).doesNotContain(sandbox.get().token()).doesNotContain(APP_TOKEN);
        }
    }

    private static void assertSteps(SdkFlow.Run run) {
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.stepNames()).containsExactly("create", "ready", "echo", "resize", "binary", "close", "exit");
        assertThat(run.steps()).allMatch(step -> step.contains("\"ok\":true"));
    }

    @Test
    void aBadTokenNeverOpensATerminalAndTheSandboxSeesNoSocket() throws Exception {
        long before = terminalRequests();
        SdkFlow.Run run = SdkFlow.terminal(gateway.get().baseUrl("ws_term"), Map.of(
                "SANDBOX_GATE_E2E_TOKEN", "not-" + APP_TOKEN, "SANDBOX_GATE_E2E_GOOD_TOKEN", APP_TOKEN),
                "--expect-refused", "401");
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.stepNames()).containsExactly("refused");

        // What the browser cannot show: the handshake's answer. Missing, bad in the query, bad in the header.
        for (String[] credential : new String[][] {{"", null}, {"?access_token=bogus-token", null},
                {"", "Bearer bogus-token"}}) {
            RawClient.Response answer = handshake("ws_term", credential[0], credential[1]);
            assertThat(answer.status()).isEqualTo(401);
            assertThat(answer.first("content-type")).startsWith("application/problem+json");
        }
        Thread.sleep(200); // the sandbox writes its log as requests arrive; give a stray one time to show
        assertThat(terminalRequests()).as("terminal sockets the sandbox saw").isEqualTo(before);
    }

    @Test
    void aViewerIsRefused403AndTheSandboxSeesNoSocket() throws Exception {
        long before = terminalRequests();
        String viewer = Jwts.builder().subject("vera").claim("workspaceId", "ws_term").claim("role", "viewer")
                .expiration(Date.from(Instant.now().plusSeconds(600)))
                .signWith(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"), Jwts.SIG.HS256)
                .compact();
        RawClient.Response answer = handshake("ws_term", "?access_token=" + viewer, null);
        assertThat(answer.status()).isEqualTo(403);
        assertThat(answer.bodyText()).contains("urn:sandbox-gate:problem:operation-forbidden")
                .contains("process.exec");
        RawClient.Response desktop = RawClient.exchange(base(), "GET /sandbox/ws_term/v1/desktop/stream/signaling"
                + "?access_token=" + viewer + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13",
                null);
        assertThat(desktop.status()).isEqualTo(403);
        assertThat(desktop.bodyText()).contains("desktop.control");
        Thread.sleep(200);
        assertThat(terminalRequests()).isEqualTo(before);
        assertThat(sandbox.get().requestLog()).doesNotContain("/v1/desktop/stream/signaling");
    }

    private static RawClient.Response handshake(String workspace, String query, String authorization)
            throws Exception {
        return RawClient.exchange(base(), "GET /sandbox/" + workspace + "/v1/processes/proc_1/terminal/ws" + query
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13"
                + (authorization == null ? "" : "\r\nAuthorization: " + authorization), null);
    }

    private static String base() {
        return gateway.get().baseUrl("x").replaceFirst("/sandbox/x$", "");
    }

    private static long terminalRequests() throws Exception {
        return TERMINAL_REQUEST.matcher(sandbox.get().requestLog()).results().count();
    }
}
