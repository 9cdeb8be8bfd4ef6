package dev.sandboxgate.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.WorkspaceRole;
import dev.sandboxgate.proxy.RawClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Traversal and encoding attacks on the gateway path and on the filesystem routes' arguments, by a workspace owner
 * (the strongest role), against the real Sandbox Agent server: each is refused by the gateway, and the sandbox's side
 * shows it: the relay in front of the sandbox received not one byte, and files planted outside the root (and inside
 * it) are unread, unchanged and joined by nothing. The container is lenient (every URI reaches the application), so
 * each refusal is the gateway's own.
 */
class TraversalAttacksIT {
    private static final String OWNER = GatedSandbox.as(WorkspaceRole.OWNER, "ws_1", "olga");
    @RegisterExtension
    static final PerClass<GatedSandbox> gated = PerClass.start(() -> GatedSandbox.start(true));
    private static Path outside;
    private static Path secret;
    private static FileTime secretTime;

    @BeforeAll
    static void plant() throws Exception {
        outside = Files.createDirectories(gated.get().root.resolveSibling("outside"));
        secret = Files.writeString(outside.resolve("secret.txt"), "secret");
        Files.createDirectories(gated.get().root.resolveSibling("workspace-evil"));
        Files.writeString(gated.get().root.resolveSibling("workspace-evil").resolve("secret.txt"), "secret");
        Files.writeString(gated.get().root.resolve("inside.txt"), "inside");
        secretTime = Files.getLastModifiedTime(secret);
    }

    /** An attack: method, raw target after {@code /sandbox}, optional body and its type. */
    record Attack(String method, String target, String contentType, String body) {
        @Override
        public String toString() {
            return method + " " + target + (body == null ? "" : " " + body);
        }
    }

    private static Attack get(String target) {
        return new Attack("GET", target, null, null);
    }

    private static Attack json(String method, String target, String body) {
        return new Attack(method, target, "application/json", body);
    }

    static Stream<Attack> attacks() {
        String r = gated.get().root.toString();
        String o = outside.toString();
        String up = r + "/../outside/secret.txt";
        return Stream.of(
                // The gateway path: dot-segments, encodings, separators, the inspector.
                get("/ws_1/v1/fs/../../ui/"),
                get("/ws_1/v1/%2e%2e/ui/"),
                get("/ws_1/v1/%2E%2E/%2E%2E/ui/"),
                get("/ws_1/v1/.%2e/ui/"),
                get("/ws_1/v1/..;/ui/"),
                get("/ws_1/v1/./health"),
                get("/ws_1/v1/acp/%2e%2e%2f%2e%2e%2fui"),
                get("/ws_1/v1/%252e%252e/ui/"),
                get("/ws_1/v1/%5chealth"),
                get("/ws_1/v1/%c0%ae%c0%ae/ui/"),
                get("/ws_1/v1/acp/%c0%af"),
                get("/ws_1//v1/health"),
                get("/ws_1/ui/"),
                get("/ws_1/%75i/"),
                get("/ws_1/v1/fs%2Ffile?path=" + r + "/inside.txt"),
                get("/ws_2%2F..%2Fws_1/v1/health"),
                get("/ws_1/v1/fs/%2e%2e/fs/file?path=" + o + "/secret.txt"),
                // Filesystem arguments: outside the root, traversal, encodings, relative, repeated, aliased.
                get("/ws_1/v1/fs/file?path=" + o + "/secret.txt"),
                get("/ws_1/v1/fs/file?path=" + up),
                get("/ws_1/v1/fs/file?path=" + up.replace("/", "%2F")),
                get("/ws_1/v1/fs/file?path=" + r + "/%252e%252e/outside/secret.txt"),
                get("/ws_1/v1/fs/file?path=" + r + "/%25252e%25252e/outside/secret.txt"),
                get("/ws_1/v1/fs/file?path=" + r + "/..%5coutside%5csecret.txt"),
                get("/ws_1/v1/fs/file?path=" + r + "/inside.txt%00/../../outside/secret.txt"),
                get("/ws_1/v1/fs/file?path=" + r + "/%C0%AE%C0%AE/outside/secret.txt"),
                get("/ws_1/v1/fs/file?path=" + r + "/%2e%2e/outside/secret.txt"),
                get("/ws_1/v1/fs/file?path=outside/secret.txt"),
                get("/ws_1/v1/fs/file?path=~/../outside/secret.txt"),
                get("/ws_1/v1/fs/file?path=" + r + "/inside.txt&path=" + o + "/secret.txt"),
                get("/ws_1/v1/fs/file?pa%74h=" + o + "/secret.txt"),
                get("/ws_1/v1/fs/file?path=" + r + "/inside.txt&pa%74h=" + o + "/secret.txt"),
                get("/ws_1/v1/fs/file?path=" + r + "-evil/secret.txt"),
                get("/ws_1/v1/fs/entries?path=" + o),
                get("/ws_1/v1/fs/stat?path=" + r + "/.."),
                new Attack("PUT", "/ws_1/v1/fs/file?path=" + o + "/written.txt", "application/octet-stream", "pwned"),
                new Attack("PUT", "/ws_1/v1/fs/file?path=" + up, "application/octet-stream", "pwned"),
                new Attack("DELETE", "/ws_1/v1/fs/entry?path=" + o + "/secret.txt", null, null),
                new Attack("DELETE", "/ws_1/v1/fs/entry?path=" + r + "/..&recursive=true", null, null),
                new Attack("POST", "/ws_1/v1/fs/mkdir?path=" + o + "/made", null, null),
                new Attack("POST", "/ws_1/v1/fs/upload-batch?path=" + o, "application/x-tar", "\0".repeat(1024)),
                json("POST", "/ws_1/v1/fs/move", "{\"from\":\"" + r + "/inside.txt\",\"to\":\"" + o + "/moved.txt\"}"),
                json("POST", "/ws_1/v1/fs/move", "{\"from\":\"" + o + "/secret.txt\",\"to\":\"" + r + "/stolen.txt\"}"),
                json("POST", "/ws_1/v1/fs/move", "{\"from\":\"" + r + "/inside.txt\",\"to\":\"" + r
                        + "/b.txt\",\"to\":\"" + o + "/moved.txt\"}"),
                json("POST", "/ws_1/v1/fs/move", "{\"from\":\"" + r + "/inside.txt\",\"to\":\"" + r
                        + "/b.txt\"}{\"to\":\"" + o + "/moved.txt\"}"),
                json("POST", "/ws_1/v1/fs/move", "{\"from\":\"" + r + "/inside.txt\",\"to\":\"../outside/m.txt\"}"),
                get("/ws_1/v1/config/mcp?directory=" + o + "&mcpName=x"),
                json("PUT", "/ws_1/v1/config/skills?directory=" + r + "/../outside&skillName=x", "{}"),
                // The ACP session's working directory is held to the same root.
                json("POST", "/ws_1/v1/acp/s-cwd?agent=mock", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
                        + "\"session/new\",\"params\":{\"cwd\":\"" + o + "\",\"mcpServers\":[]}}"),
                json("POST", "/ws_1/v1/acp/s-cwd?agent=mock", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
                        + "\"session/new\",\"params\":{\"cwd\":\"" + up + "\",\"mcpServers\":[]}}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attacks")
    void isRefusedAndNothingReachesTheSandbox(Attack attack) throws Exception {
        int mark = gated.get().relay.mark();
        RawClient.Response response = gated.get().send(attack.method(), "/sandbox" + attack.target(), OWNER,
                attack.contentType(), attack.body() == null ? null : attack.body().getBytes(StandardCharsets.UTF_8));

        assertThat(response.status()).as(attack.toString()).isIn(400, 403, 404, 405);
        assertThat(response.first("Content-Type")).isEqualTo("application/problem+json");
        assertThat(response.bodyText()).startsWith("{\"type\":\"urn:sandbox-gate:problem:").doesNotContain("secret\"");
        assertThat(gated.get().relay.mark()).as("reached the sandbox: " + attack).isEqualTo(mark);
        assertTheSandboxsFilesAreUntouched();
    }

    @Test
    void thereAreAtLeastThirtyAttacks() {
        assertThat(attacks().count()).isGreaterThanOrEqualTo(30);
    }

    @Test
    void theSameRouteInsideTheRootReachesTheSandbox() throws Exception {
        int mark = gated.get().relay.mark();
        RawClient.Response response = gated.get().send("GET", "/sandbox/ws_1/v1/fs/file?path=" + gated.get().root
                + "/inside.txt", OWNER, null);
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.bodyText()).isEqualTo("inside");
        assertThat(gated.get().relay.requestsSince(mark)).containsExactly("GET /v1/fs/file?path=" + gated.get().root
                + "/inside.txt");
    }

    private static void assertTheSandboxsFilesAreUntouched() throws Exception {
        assertThat(Files.readString(secret)).isEqualTo("secret");
        assertThat(Files.getLastModifiedTime(secret)).isEqualTo(secretTime);
        try (Stream<Path> files = Files.list(outside)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("secret.txt");
        }
        try (Stream<Path> files = Files.list(gated.get().root)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).isEqualTo(List.of("inside.txt"));
        }
        assertThat(Files.readString(gated.get().root.resolve("inside.txt"))).isEqualTo("inside");
    }
}
