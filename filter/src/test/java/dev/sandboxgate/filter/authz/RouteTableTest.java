package dev.sandboxgate.filter.authz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every route of Sandbox Agent 0.4.2 classified; everything else closed. */
class RouteTableTest {
    private final RouteTable table = RouteTable.sandboxAgent();

    private RouteTable.Match classify(String method, String path) {
        List<String> segments = path.equals("/") ? List.of() : List.of(path.substring(1).split("/", -1));
        return table.classify(method, segments);
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
            "GET, /v1/health, health, NONE",
            "HEAD, /v1/health, health, NONE",
            "GET, /v1/agents, agents.read, NONE",
            "GET, /v1/agents/claude, agents.read, NONE",
            "POST, /v1/agents/claude/install, agents.install, NONE",
            "GET, /v1/acp, acp.list, NONE",
            "GET, /v1/acp/sdk-mock-1, acp.stream, NONE",
            "POST, /v1/acp/sdk-mock-1, acp.send, NONE",
            "DELETE, /v1/acp/sdk-mock-1, acp.delete, NONE",
            "POST, /v1/acp/a/b, -, -",
            "GET, /v1/fs/entries, fs.read, QUERY_PATH",
            "GET, /v1/fs/stat, fs.read, QUERY_PATH",
            "GET, /v1/fs/file, fs.read, QUERY_PATH",
            "PUT, /v1/fs/file, fs.write, QUERY_PATH",
            "POST, /v1/fs/mkdir, fs.write, QUERY_PATH",
            "POST, /v1/fs/upload-batch, fs.upload, ARCHIVE_BODY",
            "POST, /v1/fs/move, fs.write, MOVE_BODY",
            "DELETE, /v1/fs/entry, fs.delete, QUERY_PATH",
            "GET, /v1/config/mcp, config.read, QUERY_DIRECTORY",
            "PUT, /v1/config/mcp, config.write, QUERY_DIRECTORY",
            "DELETE, /v1/config/skills, config.write, QUERY_DIRECTORY",
            "GET, /v1/processes, process.read, NONE",
            "POST, /v1/processes, process.exec, NONE",
            "POST, /v1/processes/run, process.exec, NONE",
            "GET, /v1/processes/config, process.read, NONE",
            "POST, /v1/processes/config, process.exec, NONE",
            "GET, /v1/processes/p-1, process.read, NONE",
            "DELETE, /v1/processes/p-1, process.exec, NONE",
            "POST, /v1/processes/p-1/input, process.exec, NONE",
            "POST, /v1/processes/p-1/stop, process.exec, NONE",
            "POST, /v1/processes/p-1/kill, process.exec, NONE",
            "GET, /v1/processes/p-1/logs, process.read, NONE",
            "POST, /v1/processes/p-1/terminal/resize, process.exec, NONE",
            "GET, /v1/processes/p-1/terminal/ws, process.exec, NONE",
            "GET, /v1/desktop/screenshot, desktop.read, NONE",
            "POST, /v1/desktop/mouse/click, desktop.control, NONE",
            "POST, /v1/desktop/windows/w1/focus, desktop.control, NONE",
            "GET, /v1/desktop/recordings/r1/download, desktop.read, NONE",
            "GET, /v1/desktop/stream/signaling, desktop.control, NONE",
            "GET, /opencode/session, opencode.read, NONE",
            "POST, /opencode/session/s1/message, opencode.write, NONE",
            "PATCH, /opencode/config, opencode.write, NONE",
    })
    void classifiesEveryUpstreamRoute(String method, String path, String operation, String confinement) {
        RouteTable.Match match = classify(method, path);
        if (operation.equals("-")) {
            assertThat(match).isInstanceOf(RouteTable.Match.Unknown.class);
            return;
        }
        assertThat(match).isInstanceOf(RouteTable.Match.Found.class);
        RouteTable.Route route = ((RouteTable.Match.Found) match).route();
        assertThat(route.operation().id()).isEqualTo(operation);
        assertThat(route.confinement().name()).isEqualTo(confinement);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/v1", "/v1/", "/v1/health/", "/v1/events", "/v1/fs", "/v1/fs/file/x", "/v2/health",
            "/v1/acp/", "/v1/agents//install", "/v1/desktop/unknown", "/v1/processes/p-1/terminal", "/opencode",
            "/opencode/", "/opencode//x", "/V1/health", "/v1/Health", "/v1/fs/file;x", "/health"})
    void leavesUnknownRoutesClosed(String path) {
        assertThat(classify("GET", path)).isInstanceOf(RouteTable.Match.Unknown.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/ui", "/ui/", "/ui/index.html", "/ui/assets/app.js"})
    void neverServesTheInspector(String path) {
        for (String method : List.of("GET", "HEAD", "POST")) {
            assertThat(classify(method, path)).isInstanceOf(RouteTable.Match.Never.class);
        }
    }

    @Test
    void namesTheMethodsOfAKnownRouteCalledWithAnotherOne() {
        RouteTable.Match match = classify("DELETE", "/v1/fs/file");
        assertThat(match).isInstanceOf(RouteTable.Match.WrongMethod.class);
        assertThat(((RouteTable.Match.WrongMethod) match).allowed()).containsExactlyInAnyOrder("GET", "HEAD", "PUT");
        assertThat(classify("TRACE", "/v1/health")).isInstanceOf(RouteTable.Match.WrongMethod.class);
        assertThat(classify("OPTIONS", "/opencode/session")).isInstanceOf(RouteTable.Match.WrongMethod.class);
    }

    @Test
    void readsLiteralSegmentsBeforeIds() {
        assertThat(((RouteTable.Match.Found) classify("POST", "/v1/processes/run")).route().operation())
                .isEqualTo(Operation.PROCESS_EXEC);
        assertThat(((RouteTable.Match.Found) classify("GET", "/v1/processes/config")).route().operation())
                .isEqualTo(Operation.PROCESS_READ);
    }

    @Test
    void anEncodedSlashInAnIdIsOneSegment() {
        // "/v1/acp/a%2Fb" decodes to the segments v1, acp, "a/b": still one server id.
        assertThat(table.classify("POST", List.of("v1", "acp", "a/b"))).isInstanceOf(RouteTable.Match.Found.class);
    }
}
