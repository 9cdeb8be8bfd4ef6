package dev.sandboxgate.filter.path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** One reading of the gateway path: what is refused, and what is kept byte for byte. */
class RequestPathTest {
    private static final String MOUNT = "/sandbox";

    @ParameterizedTest
    @ValueSource(strings = {
            "/sandbox/ws_1/v1/fs/../../etc/passwd",
            "/sandbox/ws_1/v1/%2e%2e/ui",
            "/sandbox/ws_1/v1/%2E%2E/ui",
            "/sandbox/ws_1/v1/.%2e/ui",
            "/sandbox/ws_1/v1/%2e./ui",
            "/sandbox/ws_1/v1/./health",
            "/sandbox/ws_1/v1/%2e/health",
            "/sandbox/ws_1/v1/..;x=1/ui",
            "/sandbox/ws_1/v1/.;/health",
            "/sandbox/ws_1/v1/acp/%2e%2e%2fui",
            "/sandbox/ws_1/v1/acp/a%2F..%2Fb",
            "/sandbox/ws_1/v1/acp/a%2F.",
            "/sandbox/ws_1/v1/%252e%252e/ui",
            "/sandbox/ws_1/v1/acp/%252F",
            "/sandbox/ws_1/v1/acp/%25%32%65",
            "/sandbox/ws_1/v1/acp/x%00",
            "/sandbox/ws_1/v1/acp/x%0a",
            "/sandbox/ws_1/v1/acp/x%7F",
            "/sandbox/ws_1/v1\\acp",
            "/sandbox/ws_1/v1/acp/%5c..",
            "/sandbox/ws_1/v1/acp/%5C",
            "/sandbox/ws_1/v1/%c0%ae%c0%ae/ui",
            "/sandbox/ws_1/v1/%e0%80%ae%e0%80%ae/ui",
            "/sandbox/ws_1/v1/acp/%c0%af",
            "/sandbox/ws_1/v1/acp/%ed%a0%80",
            "/sandbox/ws_1/v1/acp/%ff",
            "/sandbox/ws_1/v1/acp/%zz",
            "/sandbox/ws_1/v1/acp/%2",
            "/sandbox/ws_1/v1/acp/%%32%65",
            "/sandbox/ws_1/v1/acp/\u00e9",
            "/sandbox/ws_1/v1/acp/a b",
            "/sandbox/ws_1/v1//health",
            "/sandbox/ws_1//v1/health",
            "/sandbox/ws%5F1/v1/health",
            "/sandbox/../sandbox/ws_1/v1/health",
            "/sandbox//ws_1/v1/health",
            "/sandbox/ws_1%2F..%2Fws_2/v1/health",
            "/sandbox/ws_1;x/v1/health",
            "/sandbox/wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww/v1/health",
            "/sandboxes/ws_1/v1/health",
            "/sandbox",
    })
    void refusesPathsThatCouldBeReadTwoWays(String uri) {
        assertThatThrownBy(() -> RequestPath.parse(uri, MOUNT)).isInstanceOf(RequestPath.Malformed.class);
    }

    @Test
    void keepsAnEncodedSlashInsideItsSegmentAndTheRawBytesForForwarding() throws Exception {
        RequestPath path = RequestPath.parse("/sandbox/ws_1/v1/acp/sdk%2Fmock%2D1", MOUNT);

        assertThat(path.workspaceId()).isEqualTo("ws_1");
        assertThat(path.segments()).containsExactly("v1", "acp", "sdk/mock-1");
        assertThat(path.rawRest()).isEqualTo("/v1/acp/sdk%2Fmock%2D1");
    }

    @Test
    void decodesEachSegmentOnceAndLeavesPlusAlone() throws Exception {
        RequestPath path = RequestPath.parse("/sandbox/ws-2/v1/fs/caf%C3%A9/a+b/..x/x..", MOUNT);

        assertThat(path.segments()).containsExactly("v1", "fs", "café", "a+b", "..x", "x..");
        assertThat(path.decodedRest()).isEqualTo("/v1/fs/café/a+b/..x/x..");
    }

    @Test
    void readsTheWorkspaceRootAsTheSandboxRoot() throws Exception {
        for (String uri : List.of("/sandbox/ws_1", "/sandbox/ws_1/")) {
            RequestPath path = RequestPath.parse(uri, MOUNT);
            assertThat(path.rawRest()).isEqualTo("/");
            assertThat(path.segments()).isEmpty();
        }
    }

    @Test
    void keepsATrailingSlashAsAnEmptyLastSegment() throws Exception {
        assertThat(RequestPath.parse("/sandbox/ws_1/v1/health/", MOUNT).segments())
                .containsExactly("v1", "health", "");
    }

    @Test
    void keepsPathParametersRawForTheSandbox() throws Exception {
        RequestPath path = RequestPath.parse("/sandbox/ws_1/v1/a;x=1/b", MOUNT);
        assertThat(path.rawRest()).isEqualTo("/v1/a;x=1/b");
        assertThat(path.segments()).containsExactly("v1", "a;x=1", "b");
    }

    @Test
    void refusalMessagesNeverEchoTheInput() {
        assertThatThrownBy(() -> RequestPath.parse("/sandbox/ws_1/v1/acp/secret-%00-value", MOUNT))
                .hasMessageNotContaining("secret");
    }
}
