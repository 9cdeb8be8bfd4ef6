package dev.sandboxgate.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.WorkspaceRole;
import dev.sandboxgate.filter.authz.Operation;
import dev.sandboxgate.proxy.RawClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every cell of the default role × operation table, against the real Sandbox Agent server: a viewer, a member and an
 * owner of the workspace each try one request of every operation. Where the role allows it, the request reaches the
 * sandbox (seen by the relay in front of it) with its method and target unchanged and the sandbox accepts the
 * gateway's token; where it does not, the answer is 403 {@code operation-forbidden} and not one byte reached the
 * sandbox. Side effects are checked on the sandbox's filesystem where there are any.
 */
class RolePolicyMatrixIT {
    private static final String WS = "ws_m";
    @RegisterExtension
    static final PerClass<GatedSandbox> gated = PerClass.start(() -> GatedSandbox.start(false));
    private static String root;

    @BeforeAll
    static void plant() throws Exception {
        root = gated.get().root.toString();
        Files.writeString(gated.get().root.resolve("a.txt"), "planted");
        for (WorkspaceRole role : WorkspaceRole.values()) {
            Files.writeString(gated.get().root.resolve("del-" + name(role) + ".txt"), "planted");
        }
    }

    /**
     * One request of an operation. {@code target} and {@code body} may name {@code {role}} (so each role acts on its
     * own server id or file) and {@code {root}}.
     */
    record Cell(String operation, WorkspaceRole least, String method, String target, String contentType,
                String body) {
        String target(WorkspaceRole role) {
            return fill(target, role);
        }

        String body(WorkspaceRole role) {
            return body == null ? null : fill(body, role);
        }

        private static String fill(String text, WorkspaceRole role) {
            return text.replace("{role}", name(role)).replace("{root}", root);
        }

        @Override
        public String toString() {
            return operation + ": " + method + " " + target;
        }
    }

    private static final String INITIALIZE =
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":1}}";
    private static final String LOCAL_MCP = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"session/new\",\"params\":"
            + "{\"cwd\":\"{root}\",\"mcpServers\":[{\"name\":\"m\",\"command\":\"true\",\"args\":[],\"env\":[]}]}}";
    private static final String JSON = "application/json";

    /** In order: a role's ACP server is started (acp.send) before it is deleted (acp.delete). */
    static Stream<Cell> cells() {
        WorkspaceRole viewer = WorkspaceRole.VIEWER;
        WorkspaceRole member = WorkspaceRole.MEMBER;
        WorkspaceRole owner = WorkspaceRole.OWNER;
        return Stream.of(
                new Cell("health", viewer, "GET", "/v1/health", null, null),
                new Cell("agents.read", viewer, "GET", "/v1/agents/mock", null, null),
                new Cell("acp.list", viewer, "GET", "/v1/acp", null, null),
                new Cell("acp.stream", viewer, "GET", "/v1/acp/stream-{role}", null, null),
                new Cell("fs.read", viewer, "GET", "/v1/fs/stat?path={root}/a.txt", null, null),
                new Cell("acp.send", member, "POST", "/v1/acp/send-{role}?agent=mock", JSON, INITIALIZE),
                new Cell("acp.delete", member, "DELETE", "/v1/acp/send-{role}", null, null),
                new Cell("fs.write", member, "PUT", "/v1/fs/file?path={root}/w-{role}.txt",
                        "application/octet-stream", "written by {role}"),
                new Cell("fs.write", member, "POST", "/v1/fs/mkdir?path={root}/d-{role}", null, null),
                new Cell("fs.write", member, "POST", "/v1/fs/move", JSON,
                        "{\"from\":\"{root}/w-{role}.txt\",\"to\":\"{root}/moved-{role}.txt\"}"),
                new Cell("acp.local-mcp", owner, "POST", "/v1/acp/mcp-{role}?agent=mock", JSON, LOCAL_MCP),
                new Cell("fs.upload", member, "POST", "/v1/fs/upload-batch?path={root}/up-{role}",
                        "application/x-tar", "\0".repeat(1024)),
                new Cell("fs.delete", owner, "DELETE", "/v1/fs/entry?path={root}/del-{role}.txt", null, null),
                new Cell("agents.install", owner, "POST", "/v1/agents/mock/install", JSON, "{}"),
                new Cell("config.read", owner, "GET", "/v1/config/mcp?directory={root}&mcpName=m", null, null),
                new Cell("config.write", owner, "PUT", "/v1/config/mcp?directory={root}&mcpName=m", JSON,
                        "{\"type\":\"remote\",\"url\":\"http://127.0.0.1:9/mcp\"}"),
                new Cell("process.read", owner, "GET", "/v1/processes", null, null),
                new Cell("process.exec", owner, "POST", "/v1/processes/run", JSON, "{\"command\":\"true\"}"),
                new Cell("desktop.read", owner, "GET", "/v1/desktop/status", null, null),
                new Cell("desktop.control", owner, "POST", "/v1/desktop/mouse/click", JSON, "{\"x\":1,\"y\":1}"),
                new Cell("opencode.read", owner, "GET", "/opencode/session", null, null),
                new Cell("opencode.write", owner, "POST", "/opencode/session", JSON, "{}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cells")
    void eachRoleGetsExactlyTheDefaultCellsOfThisOperation(Cell cell) throws Exception {
        for (WorkspaceRole role : WorkspaceRole.values()) {
            String target = cell.target(role);
            String body = cell.body(role);
            int mark = gated.get().relay.mark();
            RawClient.Response response = gated.get().send(cell.method(), "/sandbox/" + WS + target,
                    GatedSandbox.as(role, WS, name(role) + "-1"), cell.contentType(),
                    body == null ? null : body.getBytes(StandardCharsets.UTF_8));
            String what = name(role) + " " + cell;

            if (role.includes(cell.least())) {
                assertThat(gated.get().relay.requestsSince(mark)).as(what + " reached the sandbox")
                        .containsExactly(cell.method() + " " + target);
                assertThat(response.status()).as(what + ": the sandbox accepted the gateway's token")
                        .isNotIn(401, 403);
                assertThat(response.bodyText()).as(what).doesNotContain("urn:sandbox-gate:problem:operation-forbidden");
            } else {
                assertThat(response.status()).as(what).isEqualTo(403);
                // acp.local-mcp is checked after acp.send: a viewer is refused for sending at all.
                boolean sendFirst = cell.operation().equals("acp.local-mcp") && role == WorkspaceRole.VIEWER;
                assertThat(response.bodyText()).as(what)
                        .contains("\"type\":\"urn:sandbox-gate:problem:operation-forbidden\"")
                        .contains("'" + (sendFirst ? "acp.send" : cell.operation()) + "'")
                        .contains("requires the " + name(sendFirst ? WorkspaceRole.MEMBER : cell.least())
                                + " role in workspace '" + WS + "'; yours is " + name(role));
                assertThat(gated.get().relay.mark()).as(what + ": nothing may reach the sandbox").isEqualTo(mark);
            }
        }
    }

    @Test
    void theMatrixCoversEveryOperationOfTheDefaultTable() {
        assertThat(cells().map(Cell::operation).distinct())
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(Operation.values()).map(Operation::id).toList());
        cells().forEach(cell -> assertThat(cell.least()).as(cell.toString())
                .isEqualTo(Arrays.stream(Operation.values()).filter(op -> op.id().equals(cell.operation()))
                        .findFirst().orElseThrow().defaultRole()));
    }

    /** Runs after the matrix: what the allowed cells did, and the refused ones did not, on the sandbox's disk. */
    @Test
    void theSandboxsFilesystemShowsOnlyTheAllowedWrites() throws Exception {
        eachRoleGetsExactlyTheDefaultCellsOfThisOperation(cells().filter(c -> c.method().equals("PUT")
                && c.operation().equals("fs.write")).findFirst().orElseThrow());
        for (WorkspaceRole role : WorkspaceRole.values()) {
            Path written = gated.get().root.resolve("w-" + name(role) + ".txt");
            boolean writes = role.includes(WorkspaceRole.MEMBER);
            assertThat(Files.exists(written)).as(name(role) + " wrote").isEqualTo(writes);
            if (writes) {
                assertThat(Files.readString(written)).isEqualTo("written by " + name(role));
            }
        }
        eachRoleGetsExactlyTheDefaultCellsOfThisOperation(cells().filter(c -> c.operation().equals("fs.delete"))
                .findFirst().orElseThrow());
        for (WorkspaceRole role : WorkspaceRole.values()) {
            assertThat(Files.exists(gated.get().root.resolve("del-" + name(role) + ".txt"))).as(name(role) + " deleted")
                    .isEqualTo(role != WorkspaceRole.OWNER);
        }
        assertThat(Files.readString(gated.get().root.resolve("a.txt"))).isEqualTo("planted");
    }

    private static String name(WorkspaceRole role) {
        return role.name().toLowerCase(Locale.ROOT);
    }
}
