package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.WorkspaceRole;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ACP routes through the filter and the proxy: what a JSON-RPC body may ask for, who may use a server id, and what
 * {@code GET /v1/acp} shows. The scripted upstream records every request and body that reached it.
 */
@ExtendWith(LogLeakGuard.class)
class AcpAuthorizationTest {
    private static final Map<String, String> FILTER = Map.of(
            "authenticators", RoleTokenAuthenticator.class.getName());
    private static final String LIST = "{\"servers\":[{\"serverId\":\"s-list-a\",\"agent\":\"mock\",\"createdAtMs\":1},"
            + "{\"serverId\":\"s-list-b\",\"agent\":\"mock\",\"createdAtMs\":2.5e3},"
            + "{\"serverId\":\"s-list-x\",\"agent\":\"mock\",\"createdAtMs\":3}],\"next\":null}";

    private static final BlockingQueue<String> BODIES = new LinkedBlockingQueue<>();
    private static RawUpstream upstream;
    private static GatewayServer gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = new RawUpstream((head, in, out) -> {
            if (head.target().equals("/v1/acp")) {
                RawUpstream.respond(out, 200, "application/json", LIST.getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (head.contentLength() > 0) {
                BODIES.add(new String(RawUpstream.readBody(head, in).bytes(), StandardCharsets.UTF_8));
            }
            RawUpstream.respond(out, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
        });
        gateway = GatewayServer.start(upstream.url(), Map.of(), FILTER);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    private static String as(WorkspaceRole role, String workspace, String subject) {
        return "Authorization: Bearer " + RoleTokenAuthenticator.token(role, workspace, subject);
    }

    private static RawClient.Response send(GatewayServer gw, String method, String target, String auth, String type,
                                           String body) throws Exception {
        byte[] bytes = body == null ? null : body.getBytes(StandardCharsets.UTF_8);
        return RawClient.exchange(gw.baseUrl(), method + " /sandbox" + target + " HTTP/1.1\r\nHost: gw\r\n" + auth
                + "\r\nAccept: application/json, text/event-stream"
                + (bytes == null ? "" : "\r\nContent-Type: " + type + "\r\nContent-Length: " + bytes.length)
                + "\r\nConnection: close", bytes);
    }

    private static RawClient.Response post(String target, String auth, String body) throws Exception {
        return send(gateway, "POST", target, auth, "application/json", body);
    }

    private static void assertRefused(RawClient.Response response, int status, String type) throws Exception {
        assertThat(response.status()).as(response.bodyText()).isEqualTo(status);
        assertThat(response.bodyText()).contains("urn:sandbox-gate:problem:" + type);
        assertThat(upstream.nextRequest(0, TimeUnit.MILLISECONDS)).as("reached the sandbox").isNull();
    }

    private static void assertForwarded(RawClient.Response response, String expectedBody) throws Exception {
        assertThat(response.status()).as(response.bodyText()).isEqualTo(200);
        assertThat(upstream.nextRequest(5, TimeUnit.SECONDS)).isNotNull();
        if (expectedBody != null) {
            assertThat(BODIES.poll(5, TimeUnit.SECONDS)).isEqualTo(expectedBody);
        }
    }

    private static String sessionNew(String mcpServers, String cwd) {
        return "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"session/new\",\"params\":{\"cwd\":\"" + cwd
                + "\",\"mcpServers\":" + mcpServers + "}}";
    }

    @Test
    void aViewerCanStreamButNotPrompt() throws Exception {
        String owner = as(WorkspaceRole.OWNER, "ws_v", "olga");
        String viewer = as(WorkspaceRole.VIEWER, "ws_v", "vera");
        String init = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":1}}";
        assertForwarded(post("/ws_v/v1/acp/s-view?agent=mock", owner, init), init);

        assertForwarded(send(gateway, "GET", "/ws_v/v1/acp/s-view", viewer, null, null), null);
        RawClient.Response prompt = post("/ws_v/v1/acp/s-view", viewer, "{\"jsonrpc\":\"2.0\",\"id\":3,"
                + "\"method\":\"session/prompt\",\"params\":{\"sessionId\":\"x\",\"prompt\":[]}}");
        assertRefused(prompt, 403, "operation-forbidden");
        assertThat(prompt.bodyText()).contains("'acp.send' requires the member role");
    }

    @Test
    void aMemberCannotStartALocalMcpServerButMayUseARemoteOne() throws Exception {
        String member = as(WorkspaceRole.MEMBER, "ws_m", "mia");
        RawClient.Response local = post("/ws_m/v1/acp/s-mcp?agent=mock", member,
                sessionNew("[{\"name\":\"x\",\"command\":\"sh\",\"args\":[\"-c\",\"id\"],\"env\":[]}]", "/workspace"));
        assertRefused(local, 403, "operation-forbidden");
        assertThat(local.bodyText()).contains("'acp.local-mcp'").contains("requires the owner role");

        String remote = sessionNew(
                "[{\"type\":\"http\",\"name\":\"r\",\"url\":\"https://mcp.example\",\"headers\":[]}]",
                "/workspace/project");
        assertForwarded(post("/ws_m/v1/acp/s-mcp?agent=mock", member, remote), remote);
    }

    @Test
    void anOwnerMayStartALocalMcpServer() throws Exception {
        String body = sessionNew("[{\"name\":\"x\",\"command\":\"node\",\"args\":[],\"env\":[]}]", "/workspace");
        assertForwarded(post("/ws_o/v1/acp/s-own?agent=mock", as(WorkspaceRole.OWNER, "ws_o", "otto"), body), body);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // A local server hidden in a batch, under another method, in another shape, or typed unknown.
            "[{\"jsonrpc\":\"2.0\",\"method\":\"session/cancel\",\"params\":{}},"
                    + "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"session/load\",\"params\":{\"cwd\":\"/workspace\","
                    + "\"mcpServers\":[{\"name\":\"x\",\"command\":\"sh\"}]}}]",
            "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"_vendor/future\",\"params\":{\"deep\":{\"mcpServers\":"
                    + "[{\"name\":\"x\",\"command\":\"sh\"}]}}}",
            "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"session/new\",\"params\":{\"cwd\":\"/workspace\","
                    + "\"mcpServers\":{\"x\":{\"command\":\"sh\"}}}}",
            "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"session/new\",\"params\":{\"cwd\":\"/workspace\","
                    + "\"mcpServers\":[{\"type\":\"stdio\",\"name\":\"x\",\"command\":\"sh\"}]}}",
    })
    void localMcpServersAreFoundWhereverTheyHide(String body) throws Exception {
        assertRefused(post("/ws_m/v1/acp/s-hide?agent=mock", as(WorkspaceRole.MEMBER, "ws_m", "mia"), body), 403,
                "operation-forbidden");
    }

    @Test
    void aMemberCannotLoadASessionWithALocalMcpServer() throws Exception {
        String load = "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"session/load\",\"params\":{\"sessionId\":\"s1\","
                + "\"cwd\":\"/workspace\",\"mcpServers\":[{\"name\":\"x\",\"command\":\"sh\",\"args\":[],\"env\":[]}]}}";
        RawClient.Response response = post("/ws_m/v1/acp/s-load?agent=mock", as(WorkspaceRole.MEMBER, "ws_m", "mia"),
                load);
        assertRefused(response, 403, "operation-forbidden");
        assertThat(response.bodyText()).contains("'acp.local-mcp'");
    }

    @Test
    void aBatchWhoseEveryMessagePassesIsForwardedByteForByte() throws Exception {
        String batch = "[ {\"jsonrpc\":\"2.0\",\"method\":\"session/cancel\",\"params\":{\"sessionId\":\"s\"}},\n"
                + "  {\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{\"outcome\":{\"outcome\":\"cancelled\"}}} ]";
        assertForwarded(post("/ws_m/v1/acp/s-batch?agent=mock", as(WorkspaceRole.MEMBER, "ws_m", "mia"), batch),
                batch);
        String refusedElement = "[{\"jsonrpc\":\"2.0\",\"method\":\"session/cancel\",\"params\":{}},"
                + "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"session/new\",\"params\":{\"cwd\":\"/etc\"}}]";
        assertRefused(post("/ws_m/v1/acp/s-batch", as(WorkspaceRole.MEMBER, "ws_m", "mia"), refusedElement), 403,
                "fs-path-outside-root");
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/jsonx", "text/json", "application/json-seq", "text/plain",
            "application/x-www-form-urlencoded"})
    void anAcpMessageOfAnotherMediaTypeIsRefused(String type) throws Exception {
        assertRefused(send(gateway, "POST", "/ws_m/v1/acp/s-media?agent=mock", as(WorkspaceRole.MEMBER, "ws_m", "mia"),
                type, "{\"jsonrpc\":\"2.0\",\"method\":\"x\"}"), 400, "bad-request");
    }

    @Test
    void anAcpMessageWithACharsetParameterIsJson() throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"method\":\"x\"}";
        assertForwarded(send(gateway, "POST", "/ws_m/v1/acp/s-charset?agent=mock",
                as(WorkspaceRole.MEMBER, "ws_m", "mia"), "Application/JSON; charset=utf-8", body), body);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"\\u006dethod\":\"session/new\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":{\"a\":{\"b\":1,\"b\":2}}}",
            "[{\"jsonrpc\":\"2.0\",\"method\":\"x\"},{\"jsonrpc\":\"2.0\",\"method\":\"y\",\"method\":\"z\"}]",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"}\n{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"x\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"method\":\"session/new\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"} {\"method\":\"session/new\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"}x",
            "[]",
            "[1]",
            "\"initialize\"",
            "{\"jsonrpc\":\"2.0\",\"id\":1}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"session/new\",\"params\":{\"cwd\":7}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"session/new\",\"params\":\"x\"}",
            "",
    })
    void malformedOrAmbiguousMessagesAreRefused(String body) throws Exception {
        assertRefused(post("/ws_m/v1/acp/s-bad?agent=mock", as(WorkspaceRole.MEMBER, "ws_m", "mia"), body), 400,
                "bad-request");
    }

    @Test
    void deeplyNestedMessagesAreRefused() throws Exception {
        String deep = "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":{\"a\":" + "[".repeat(100)
                + "]".repeat(100) + "}}";
        assertRefused(post("/ws_m/v1/acp/s-deep?agent=mock", as(WorkspaceRole.MEMBER, "ws_m", "mia"), deep), 400,
                "bad-request");
    }

    @Test
    void anAcpMessageMustBeJson() throws Exception {
        assertRefused(send(gateway, "POST", "/ws_m/v1/acp/s-type?agent=mock", as(WorkspaceRole.MEMBER, "ws_m", "mia"),
                "text/plain", "{\"jsonrpc\":\"2.0\",\"method\":\"x\"}"), 400, "bad-request");
    }

    @Test
    void aSessionsWorkingDirectoryStaysInTheRoot() throws Exception {
        String member = as(WorkspaceRole.MEMBER, "ws_m", "mia");
        assertRefused(post("/ws_m/v1/acp/s-cwd?agent=mock", member, sessionNew("[]", "/etc")), 403,
                "fs-path-outside-root");
        assertRefused(post("/ws_m/v1/acp/s-cwd?agent=mock", member, sessionNew("[]", "/workspace/../root")), 400,
                "fs-path-invalid");
        assertRefused(post("/ws_m/v1/acp/s-cwd?agent=mock", member, sessionNew("[]", "project")), 400,
                "fs-path-invalid");
        String ok = sessionNew("[]", "/workspace/project");
        assertForwarded(post("/ws_m/v1/acp/s-cwd?agent=mock", member, ok), ok);
    }

    @Test
    void aMemberCannotPromptAnotherMembersSessionButTheOwnerCan() throws Exception {
        String alice = as(WorkspaceRole.MEMBER, "ws_t", "alice");
        String bob = as(WorkspaceRole.MEMBER, "ws_t", "bob");
        String owner = as(WorkspaceRole.OWNER, "ws_t", "olga");
        String viewer = as(WorkspaceRole.VIEWER, "ws_t", "vera");
        String init = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}";
        assertForwarded(post("/ws_t/v1/acp/s-alice?agent=mock", alice, init), init);

        assertRefused(post("/ws_t/v1/acp/s-alice", bob, init), 403, "operation-forbidden");
        // The sandbox decodes ids: an encoded alias is the same server.
        assertRefused(post("/ws_t/v1/acp/s%2Dalice", bob, init), 403, "operation-forbidden");
        assertRefused(send(gateway, "DELETE", "/ws_t/v1/acp/s-alice", bob, null, null), 403, "operation-forbidden");
        assertForwarded(send(gateway, "GET", "/ws_t/v1/acp/s-alice", bob, null, null), null);
        assertForwarded(send(gateway, "GET", "/ws_t/v1/acp/s-alice", viewer, null, null), null);
        assertForwarded(post("/ws_t/v1/acp/s-alice", owner, init), init);
        assertForwarded(post("/ws_t/v1/acp/s-alice", alice, init), init);
        assertForwarded(send(gateway, "DELETE", "/ws_t/v1/acp/s-alice", alice, null, null), null);
    }

    @Test
    void anotherWorkspaceCannotSeeThatASessionExists() throws Exception {
        String init = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}";
        assertForwarded(post("/ws_a/v1/acp/s-tenant?agent=mock", as(WorkspaceRole.MEMBER, "ws_a", "ann"), init), init);

        String stranger = as(WorkspaceRole.OWNER, "ws_b", "ben");
        assertRefused(post("/ws_b/v1/acp/s-tenant", stranger, init), 404, "session-not-found");
        assertRefused(send(gateway, "GET", "/ws_b/v1/acp/s-tenant", stranger, null, null), 404, "session-not-found");
        assertRefused(send(gateway, "DELETE", "/ws_b/v1/acp/s-tenant", stranger, null, null), 404,
                "session-not-found");
        assertRefused(post("/ws_b/v1/acp/s%2Dtenant", stranger, init), 404, "session-not-found");
    }

    @Test
    void aStreamOpenedFirstKeepsTheServerInItsWorkspace() throws Exception {
        assertForwarded(send(gateway, "GET", "/ws_a/v1/acp/s-early", as(WorkspaceRole.VIEWER, "ws_a", "val"), null,
                null), null);
        String init = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}";
        assertRefused(post("/ws_b/v1/acp/s-early?agent=mock", as(WorkspaceRole.OWNER, "ws_b", "ben"), init), 404,
                "session-not-found");
        // The first to send in its own workspace becomes its creator.
        assertForwarded(post("/ws_a/v1/acp/s-early?agent=mock", as(WorkspaceRole.MEMBER, "ws_a", "ann"), init),
                init);
        assertRefused(post("/ws_a/v1/acp/s-early", as(WorkspaceRole.MEMBER, "ws_a", "amy"), init), 403,
                "operation-forbidden");
    }

    @Test
    void aMemberCannotDeleteAServerNobodyStartedThroughTheGateway() throws Exception {
        assertRefused(send(gateway, "DELETE", "/ws_a/v1/acp/s-orphan", as(WorkspaceRole.MEMBER, "ws_a", "ann"), null,
                null), 404, "session-not-found");
        assertForwarded(send(gateway, "DELETE", "/ws_a/v1/acp/s-orphan", as(WorkspaceRole.OWNER, "ws_a", "olga"),
                null, null), null);
    }

    @Test
    void theServerListShowsOnlyThisWorkspacesServers() throws Exception {
        String init = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}";
        assertForwarded(post("/ws_l/v1/acp/s-list-a?agent=mock", as(WorkspaceRole.MEMBER, "ws_l", "lou"), init), init);
        assertForwarded(post("/ws_k/v1/acp/s-list-b?agent=mock", as(WorkspaceRole.MEMBER, "ws_k", "kim"), init), init);

        RawClient.Response list = send(gateway, "GET", "/ws_l/v1/acp", as(WorkspaceRole.VIEWER, "ws_l", "vic"), null,
                null);
        assertThat(list.status()).isEqualTo(200);
        assertThat(upstream.nextRequest(5, TimeUnit.SECONDS).target()).isEqualTo("/v1/acp");
        assertThat(list.bodyText()).isEqualTo("{\"servers\":[{\"serverId\":\"s-list-a\",\"agent\":\"mock\","
                + "\"createdAtMs\":1}],\"next\":null}");
        assertThat(list.first("Content-Length")).isEqualTo(String.valueOf(list.body().length));

        RawClient.Response other = send(gateway, "GET", "/ws_k/v1/acp", as(WorkspaceRole.VIEWER, "ws_k", "kai"), null,
                null);
        assertThat(upstream.nextRequest(5, TimeUnit.SECONDS)).isNotNull();
        assertThat(other.bodyText()).contains("s-list-b").doesNotContain("s-list-a").doesNotContain("s-list-x");
        assertThat(other.bodyText()).contains("2.5e3");
    }

    @Test
    void underWorkspaceVisibilityAnyMemberMaySend() throws Exception {
        Map<String, String> filter = Map.of("authenticators", FILTER.get("authenticators"),
                "session-visibility", "workspace");
        try (GatewayServer gw = GatewayServer.start(upstream.url(), Map.of(), filter)) {
            String init = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}";
            assertForwarded(send(gw, "POST", "/ws_w/v1/acp/s-shared?agent=mock", as(WorkspaceRole.MEMBER, "ws_w",
                    "alice"), "application/json", init), init);
            assertForwarded(send(gw, "POST", "/ws_w/v1/acp/s-shared", as(WorkspaceRole.MEMBER, "ws_w", "bob"),
                    "application/json", init), init);
            assertRefused(send(gw, "POST", "/ws_x/v1/acp/s-shared", as(WorkspaceRole.MEMBER, "ws_x", "xena"),
                    "application/json", init), 404, "session-not-found");
        }
    }
}
