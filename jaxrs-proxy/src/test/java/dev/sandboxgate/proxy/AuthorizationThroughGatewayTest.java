package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.WorkspaceRole;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The authorization stage through the real filter and proxy on embedded Jetty, in front of a scripted upstream that
 * records what reached it. The container is lenient ({@link GatewayServer#startLenient}), so every refusal here is the
 * gateway's own, not Jetty's URI compliance.
 */
@ExtendWith(LogLeakGuard.class)
class AuthorizationThroughGatewayTest {
    private static final Map<String, String> FILTER = Map.of(
            "authenticators", "app-token," + RoleTokenAuthenticator.class.getName());
    private static final String OWNER = "Authorization: Bearer " + RoleTokenAuthenticator.token(WorkspaceRole.OWNER,
            "ws_1");

    private static final String INITIALIZE =
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":1}}";

    /** An archive with no entries: its end, two zero blocks. */
    private static final String EMPTY_TAR = "\0".repeat(1024);

    private static RawUpstream upstream;
    private static GatewayServer gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = new RawUpstream((head, in, out) -> RawUpstream.respond(out, 200, "application/json",
                (head.target().equals("/v1/acp") ? "{\"servers\":[]}" : "{\"status\":\"ok\"}")
                        .getBytes(StandardCharsets.UTF_8)));
        gateway = GatewayServer.startLenient(upstream.url(), Map.of(), FILTER);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    /** An attack: the request line's method and target (raw), and a JSON body or null. */
    record Attack(String method, String target, String body) {
        @Override
        public String toString() {
            return method + " " + target + (body == null ? "" : " " + body);
        }
    }

    private static Attack get(String target) {
        return new Attack("GET", target, null);
    }

    static Stream<Attack> attacks() {
        List<Attack> attacks = new ArrayList<>(List.of(
                // The gateway path: dot-segments, encodings, separators, the inspector.
                get("/sandbox/ws_1/v1/fs/../../ui/"),
                get("/sandbox/ws_1/v1/%2e%2e/ui/"),
                get("/sandbox/ws_1/v1/%2E%2E/%2E%2E/ui/"),
                get("/sandbox/ws_1/v1/.%2e/ui/"),
                get("/sandbox/ws_1/v1/..;/ui/"),
                get("/sandbox/ws_1/v1/./health"),
                get("/sandbox/ws_1/v1/acp/%2e%2e%2f%2e%2e%2fui"),
                get("/sandbox/ws_1/v1/%252e%252e/ui/"),
                get("/sandbox/ws_1/v1/health%00"),
                get("/sandbox/ws_1/v1/%5chealth"),
                get("/sandbox/ws_1/v1/%c0%ae%c0%ae/ui/"),
                get("/sandbox/ws_1/v1/acp/%c0%af"),
                get("/sandbox/ws_1//v1/health"),
                get("/sandbox/ws_1/ui/"),
                get("/sandbox/ws_1/ui/index.html"),
                get("/sandbox/ws_1/%75i/"),
                get("/sandbox/ws_1/v1/fs%2Ffile?path=/workspace/a"),
                get("/sandbox/ws_2%2F..%2Fws_1/v1/health"),
                get("/sandbox/ws_1/"),
                get("/sandbox/ws_1/v1/events"),
                // Filesystem arguments: outside the root, traversal, encodings, relative, missing, repeated.
                get("/sandbox/ws_1/v1/fs/file?path=/etc/passwd"),
                get("/sandbox/ws_1/v1/fs/file?path=/workspace/../etc/passwd"),
                get("/sandbox/ws_1/v1/fs/file?path=%2Fworkspace%2F..%2Fetc%2Fpasswd"),
                get("/sandbox/ws_1/v1/fs/file?path=/workspace/%252e%252e/etc/passwd"),
                get("/sandbox/ws_1/v1/fs/file?path=/workspace/%25252e%25252e/etc/passwd"),
                get("/sandbox/ws_1/v1/fs/file?path=/workspace/..%5c..%5cetc%5cpasswd"),
                get("/sandbox/ws_1/v1/fs/file?path=/workspace/a%00.txt"),
                get("/sandbox/ws_1/v1/fs/file?path=/workspace/a%0a"),
                get("/sandbox/ws_1/v1/fs/file?path=/workspace/%C0%AE%C0%AE/etc/passwd"),
                get("/sandbox/ws_1/v1/fs/file?path=/workspace/%zz"),
                get("/sandbox/ws_1/v1/fs/file?path=workspace/a"),
                get("/sandbox/ws_1/v1/fs/file?path=.bashrc"),
                get("/sandbox/ws_1/v1/fs/file?path=~/.ssh/id_ed25519"),
                get("/sandbox/ws_1/v1/fs/entries"),
                get("/sandbox/ws_1/v1/fs/entries?path="),
                get("/sandbox/ws_1/v1/fs/entries?recursive=true&pathx=/workspace"),
                get("/sandbox/ws_1/v1/fs/file?path=/workspace/a&path=/etc/passwd"),
                get("/sandbox/ws_1/v1/fs/file?pa%74h=/etc/passwd"),
                get("/sandbox/ws_1/v1/fs/file?path=/workspace/a&pa%74h=/etc/passwd"),
                get("/sandbox/ws_1/v1/fs/stat?path=/workspacex/a"),
                new Attack("PUT", "/sandbox/ws_1/v1/fs/file?path=/root/.bashrc", "x"),
                new Attack("DELETE", "/sandbox/ws_1/v1/fs/entry?path=/workspace/..&recursive=true", null),
                new Attack("POST", "/sandbox/ws_1/v1/fs/mkdir?path=/tmp/x", null),
                new Attack("POST", "/sandbox/ws_1/v1/fs/upload-batch", null),
                new Attack("POST", "/sandbox/ws_1/v1/fs/upload-batch?path=/root/.ssh", null),
                new Attack("POST", "/sandbox/ws_1/v1/fs/move", "{\"from\":\"/workspace/a\",\"to\":\"/etc/cron.d/x\"}"),
                new Attack("POST", "/sandbox/ws_1/v1/fs/move", "{\"from\":\"/etc/shadow\",\"to\":\"/workspace/a\"}"),
                new Attack("POST", "/sandbox/ws_1/v1/fs/move",
                        "{\"from\":\"/workspace/a\",\"to\":\"/workspace/b\",\"to\":\"/etc/x\"}"),
                new Attack("POST", "/sandbox/ws_1/v1/fs/move",
                        "{\"from\":\"/workspace/a\",\"to\":\"/workspace/b\"}{\"to\":\"/etc/x\"}"),
                new Attack("POST", "/sandbox/ws_1/v1/fs/move", "{\"from\":\"/workspace/a\"}"),
                new Attack("POST", "/sandbox/ws_1/v1/fs/move", "{\"from\":\"/workspace/a\",\"to\":\"../../etc\"}"),
                get("/sandbox/ws_1/v1/fs/file?path=+/etc/passwd"),
                get("/sandbox/ws_1/v1/fs/file?%70%61%74%68=/etc/passwd"),
                get("/sandbox/ws_1/v1/fs/file?path=/workspace/a&&path=/etc/passwd"),
                get("/sandbox/ws_1/v1/fs/file?path=/workspace/a&path"),
                get("/sandbox/ws_1/v1/fs/stat?pa%zzth=/workspace/a"),
                get("/sandbox/ws_1/v1/config/mcp?directory=/etc&mcpName=x"),
                get("/sandbox/ws_1/v1/config/mcp?mcpName=x"),
                get("/sandbox/ws_1/v1/config/mcp?directory=relative/dir&mcpName=x"),
                get("/sandbox/ws_1/v1/config/mcp?directory=/workspace&directory=/etc&mcpName=x"),
                get("/sandbox/ws_1/v1/config/mcp?directory=/workspace&dir%65ctory=/etc&mcpName=x"),
                get("/sandbox/ws_1/v1/config/skills?dir%65ctory=/root&skillName=x"),
                new Attack("TRACE", "/sandbox/ws_1/v1/health", null),
                new Attack("PROPFIND", "/sandbox/ws_1/v1/fs/entries?path=/workspace", null),
                new Attack("get", "/sandbox/ws_1/v1/health", null),
                new Attack("OPTIONS", "/sandbox/ws_1/v1/fs/file?path=/workspace/a", null),
                new Attack("POST", "/sandbox/ws_1/v1/fs/move",
                        "{\"from\":\"/workspace/a\",\"to\":\"/workspace/b\",\"t\\u006f\":\"/etc/x\"}"),
                get("/sandbox/ws_1/v1/config/skills?skillName=x"),
                new Attack("PUT", "/sandbox/ws_1/v1/config/mcp?directory=/workspace/../root&mcpName=x", "{}")));
        return attacks.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attacks")
    void refusesTraversalAndEncodingAttacksBeforeTheSandbox(Attack attack) throws Exception {
        int before = upstream.connectionCount();
        RawClient.Response response = send(attack, OWNER);

        assertThat(response.status()).as(attack.toString()).isIn(400, 403, 405);
        if (!attack.target().contains("%00") || attack.target().contains("?")) {
            // Jetty refuses a NUL in the path itself, even with UriCompliance.UNSAFE (the unit tests of RequestPath
            // cover the gateway's own refusal); everything else reaches the filter and is refused there.
            assertThat(response.first("Content-Type")).isEqualTo("application/problem+json");
            assertThat(response.bodyText()).startsWith("{\"type\":\"urn:sandbox-gate:problem:");
        }
        assertThat(upstream.connectionCount()).as("reached the sandbox: " + attack).isEqualTo(before);
        assertThat(upstream.nextRequest(0, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void thereAreAtLeastThirtyAttacks() {
        assertThat(attacks().count()).isGreaterThanOrEqualTo(30);
    }

    /** One request per operation, with its default least role. */
    static Stream<Arguments> operations() {
        return Stream.of(
                Arguments.of("health", "GET", "/v1/health", null, WorkspaceRole.VIEWER),
                Arguments.of("agents.read", "GET", "/v1/agents/mock", null, WorkspaceRole.VIEWER),
                Arguments.of("acp.list", "GET", "/v1/acp", null, WorkspaceRole.VIEWER),
                Arguments.of("acp.stream", "GET", "/v1/acp/sdk-mock-1", null, WorkspaceRole.VIEWER),
                Arguments.of("fs.read", "GET", "/v1/fs/stat?path=/workspace/a.txt", null, WorkspaceRole.VIEWER),
                Arguments.of("acp.send", "POST", "/v1/acp/sdk-mock-1?agent=mock", INITIALIZE, WorkspaceRole.MEMBER),
                Arguments.of("acp.delete", "DELETE", "/v1/acp/sdk-mock-1", null, WorkspaceRole.MEMBER),
                Arguments.of("fs.write", "PUT", "/v1/fs/file?path=/workspace/a.txt", "x", WorkspaceRole.MEMBER),
                Arguments.of("fs.write", "POST", "/v1/fs/mkdir?path=/workspace/d", null, WorkspaceRole.MEMBER),
                Arguments.of("fs.write", "POST", "/v1/fs/move",
                        "{\"from\":\"/workspace/a\",\"to\":\"/workspace/b\",\"overwrite\":true}", WorkspaceRole.MEMBER),
                Arguments.of("fs.delete", "DELETE", "/v1/fs/entry?path=/workspace/a.txt", null, WorkspaceRole.OWNER),
                Arguments.of("fs.upload", "POST", "/v1/fs/upload-batch?path=/workspace/d", EMPTY_TAR,
                        WorkspaceRole.MEMBER),
                Arguments.of("agents.install", "POST", "/v1/agents/mock/install", "{}", WorkspaceRole.OWNER),
                Arguments.of("config.read", "GET", "/v1/config/mcp?directory=/workspace&mcpName=m", null,
                        WorkspaceRole.OWNER),
                Arguments.of("config.write", "PUT", "/v1/config/mcp?directory=/workspace&mcpName=m", "{}",
                        WorkspaceRole.OWNER),
                Arguments.of("process.read", "GET", "/v1/processes", null, WorkspaceRole.OWNER),
                Arguments.of("process.exec", "POST", "/v1/processes/run", "{}", WorkspaceRole.OWNER),
                Arguments.of("desktop.read", "GET", "/v1/desktop/status", null, WorkspaceRole.OWNER),
                Arguments.of("desktop.control", "POST", "/v1/desktop/mouse/click", "{}", WorkspaceRole.OWNER),
                Arguments.of("opencode.read", "GET", "/opencode/session", null, WorkspaceRole.OWNER),
                Arguments.of("opencode.write", "POST", "/opencode/session", "{}", WorkspaceRole.OWNER));
    }

    @ParameterizedTest(name = "{0}: {1} {2}")
    @MethodSource("operations")
    void everyRoleGetsExactlyTheDefaultOperations(String operation, String method, String rest, String body,
                                                  WorkspaceRole least) throws Exception {
        for (WorkspaceRole role : WorkspaceRole.values()) {
            String auth = "Authorization: Bearer " + RoleTokenAuthenticator.token(role, "ws_1");
            RawClient.Response response = send(new Attack(method, "/sandbox/ws_1" + rest, body), auth);

            if (role.includes(least)) {
                assertThat(response.status()).as(role + " " + operation).isEqualTo(200);
                RawUpstream.Head head = upstream.nextRequest(5, TimeUnit.SECONDS);
                assertThat(head).as(role + " " + operation + " reached the sandbox").isNotNull();
                assertThat(head.requestLine()).isEqualTo(method + " " + rest + " HTTP/1.1");
            } else {
                assertThat(response.status()).as(role + " " + operation).isEqualTo(403);
                assertThat(response.bodyText())
                        .contains("\"type\":\"urn:sandbox-gate:problem:operation-forbidden\"")
                        .contains("'" + operation + "' requires the " + name(least) + " role in workspace 'ws_1'; "
                                + "yours is " + name(role));
                assertThat(upstream.nextRequest(0, TimeUnit.MILLISECONDS)).as(role + " " + operation).isNull();
            }
        }
    }

    @Test
    void aCallerWithoutARoleInTheWorkspaceIsRefused() throws Exception {
        String auth = "Authorization: Bearer " + RoleTokenAuthenticator.token(WorkspaceRole.OWNER, "ws_2");
        RawClient.Response response = send(get("/sandbox/ws_1/v1/health"), auth);

        assertThat(response.status()).isEqualTo(403);
        assertThat(response.bodyText()).contains("urn:sandbox-gate:problem:workspace-forbidden");
        assertThat(upstream.nextRequest(0, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void anEncodedSlashInASessionIdIsForwardedByteForByte() throws Exception {
        RawClient.Response response = send(new Attack("POST", "/sandbox/ws_1/v1/acp/sdk%2Fmock-1?agent=mock",
                INITIALIZE), OWNER);

        assertThat(response.status()).isEqualTo(200);
        assertThat(upstream.nextRequest(5, TimeUnit.SECONDS).requestLine())
                .isEqualTo("POST /v1/acp/sdk%2Fmock-1?agent=mock HTTP/1.1");
    }

    @Test
    void aMoveIsForwardedWithExactlyTheBytesItWasAuthorizedOn() throws Exception {
        String body = "{ \"overwrite\" : false,\n \"from\":\"/workspace/a\\u0062\", \"to\" : \"/workspace/c\" }";
        RawUpstream.Body[] seen = new RawUpstream.Body[1];
        try (RawUpstream reading = new RawUpstream((head, in, out) -> {
            seen[0] = RawUpstream.readBody(head, in);
            RawUpstream.respond(out, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
        }); GatewayServer gw = GatewayServer.start(reading.url(), Map.of(), FILTER)) {
            RawClient.Response response = RawClient.exchange(gw.baseUrl(), "POST /sandbox/ws_1/v1/fs/move HTTP/1.1\r\n"
                    + "Host: gw\r\n" + OWNER + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close",
                    body.getBytes(StandardCharsets.UTF_8));

            assertThat(response.status()).isEqualTo(200);
            assertThat(new String(seen[0].bytes(), StandardCharsets.UTF_8)).isEqualTo(body);
            assertThat(seen[0].complete()).isTrue();
        }
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"X-HTTP-Method-Override", "X-HTTP-Method",
            "X-Method-Override", "x-http-method-override"})
    void aMethodOverrideHeaderIsRefused(String header) throws Exception {
        RawClient.Response response = RawClient.exchange(gateway.baseUrl(), "GET /sandbox/ws_1/v1/health HTTP/1.1\r\n"
                + "Host: gw\r\n" + OWNER + "\r\n" + header + ": DELETE\r\nConnection: close", null);

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.first("Content-Type")).isEqualTo("application/problem+json");
        assertThat(response.bodyText()).contains("does not honour");
        assertThat(upstream.nextRequest(0, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void aPlusInTheQueryIsASpaceAsTheSandboxReadsItAndIsForwardedAsSent() throws Exception {
        RawClient.Response response = send(get("/sandbox/ws_1/v1/fs/stat?path=/workspace/a+b%2Bc"), OWNER);

        assertThat(response.status()).isEqualTo(200);
        assertThat(upstream.nextRequest(5, TimeUnit.SECONDS).target()).isEqualTo("/v1/fs/stat?path=/workspace/a+b%2Bc");
    }

    @Test
    void aKnownRouteWithAnotherMethodNamesItsMethods() throws Exception {
        RawClient.Response response = send(new Attack("PATCH", "/sandbox/ws_1/v1/fs/file?path=/workspace/a", null),
                OWNER);

        assertThat(response.status()).isEqualTo(405);
        assertThat(response.first("Allow")).isEqualTo("GET, HEAD, PUT");
    }

    @Test
    void theOwnersOverrideOfARowTakesEffect() throws Exception {
        Map<String, String> filter = Map.of("authenticators", FILTER.get("authenticators"),
                "route-policy", "fs.delete=member,health=none", "fs-root", "/workspaces/{workspaceId}");
        try (GatewayServer gw = GatewayServer.start(upstream.url(), Map.of(), filter)) {
            String member = "Authorization: Bearer " + RoleTokenAuthenticator.token(WorkspaceRole.MEMBER, "ws_1");
            assertThat(RawClient.exchange(gw.baseUrl(), "DELETE /sandbox/ws_1/v1/fs/entry?path=/workspaces/ws_1/a "
                    + "HTTP/1.1\r\nHost: gw\r\n" + member + "\r\nConnection: close", null).status()).isEqualTo(200);
            assertThat(upstream.nextRequest(5, TimeUnit.SECONDS)).isNotNull();

            RawClient.Response other = RawClient.exchange(gw.baseUrl(), "DELETE /sandbox/ws_1/v1/fs/entry?path="
                    + "/workspaces/ws_2/a HTTP/1.1\r\nHost: gw\r\n" + member + "\r\nConnection: close", null);
            assertThat(other.status()).isEqualTo(403);
            assertThat(other.bodyText()).contains("fs-path-outside-root").contains("/workspaces/ws_1");

            RawClient.Response health = RawClient.exchange(gw.baseUrl(), "GET /sandbox/ws_1/v1/health HTTP/1.1\r\n"
                    + "Host: gw\r\n" + OWNER + "\r\nConnection: close", null);
            assertThat(health.status()).isEqualTo(403);
            assertThat(health.bodyText()).contains("'health' is disabled");
            assertThat(upstream.nextRequest(0, TimeUnit.MILLISECONDS)).isNull();
        }
    }

    private static RawClient.Response send(Attack attack, String auth) throws Exception {
        byte[] body = attack.body() == null ? null : attack.body().getBytes(StandardCharsets.UTF_8);
        String type = attack.target().contains("/upload-batch") ? "application/x-tar" : "application/json";
        String head = attack.method() + " " + attack.target() + " HTTP/1.1\r\nHost: gw\r\n" + auth
                + (body == null ? "" : "\r\nContent-Type: " + type + "\r\nContent-Length: " + body.length)
                + "\r\nConnection: close";
        return RawClient.exchange(gateway.baseUrl(), head, body);
    }

    private static String name(WorkspaceRole role) {
        return role.name().toLowerCase(java.util.Locale.ROOT);
    }
}
