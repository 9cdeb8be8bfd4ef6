package dev.sandboxgate.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.WorkspaceRole;
import dev.sandboxgate.proxy.GatewayServer;
import dev.sandboxgate.proxy.RawClient;
import dev.sandboxgate.proxy.RoleTokenAuthenticator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two workspaces routed to two real Sandbox Agent servers with different tokens ({@code sandbox-directory=file},
 * tokens through placeholders): every request of a workspace reaches only its own sandbox, with only that sandbox's
 * token, as the relays in front of both sandboxes record, and each sandbox accepts it (a wrong token would be its
 * 401). The ACP agent process starts in the right sandbox, files land in the right workspace's root.
 */
class TwoSandboxesIT {

    @Test
    void eachWorkspaceReachesOnlyItsOwnSandboxWithOnlyItsOwnToken() throws Exception {
        try (SandboxAgentServer sandboxA = SandboxAgentServer.start();
             SandboxAgentServer sandboxB = SandboxAgentServer.start();
             RecordingRelay relayA = new RecordingRelay(sandboxA.url());
             RecordingRelay relayB = new RecordingRelay(sandboxB.url())) {
            assertThat(sandboxA.token()).isNotEqualTo(sandboxB.token());
            System.setProperty("sandboxgate.it.token-a", sandboxA.token());
            System.setProperty("sandboxgate.it.token-b", sandboxB.token());
            Path roots = Files.createDirectories(sandboxA.scratch().resolve("roots"));
            Path directory = Files.writeString(sandboxA.scratch().resolve("sandboxes.properties"), String.join("\n",
                    "sandbox.a.url = " + relayA.url(),
                    "sandbox.a.token = ${sys:sandboxgate.it.token-a}",
                    "sandbox.b.url = " + relayB.url(),
                    "sandbox.b.token = ${sys:sandboxgate.it.token-b}",
                    "workspace.ws_a = a",
                    "workspace.ws_b = b"));
            try (GatewayServer gateway = GatewayServer.start("http://127.0.0.1:9",
                    Map.of("sandbox-directory", "file", "sandbox-directory-file", directory.toString()),
                    Map.of("authenticators", RoleTokenAuthenticator.class.getName(),
                            "fs-root", roots + "/{workspaceId}"))) {
                for (String ws : new String[] {"ws_a", "ws_b"}) {
                    Files.createDirectories(roots.resolve(ws));
                    String owner = "Authorization: Bearer " + RoleTokenAuthenticator.token(WorkspaceRole.OWNER, ws);
                    assertThat(send(gateway, "GET /sandbox/" + ws + "/v1/health", owner, null).status())
                            .isEqualTo(200);
                    assertThat(send(gateway, "PUT /sandbox/" + ws + "/v1/fs/file?path=" + roots + "/" + ws
                            + "/hello.txt", owner, "from " + ws).status()).isEqualTo(200);
                    new AcpClient(gateway.mountUrl() + "/" + ws, RoleTokenAuthenticator.token(WorkspaceRole.OWNER,
                            ws)).startSession("s-" + ws, roots.resolve(ws).toString());
                }
                // Each sandbox saw its own workspace's requests only, with its own token only.
                assertThat(relayA.requestsSince(0)).containsExactly("GET /v1/health",
                        "PUT /v1/fs/file?path=" + roots + "/ws_a/hello.txt", "POST /v1/acp/s-ws_a?agent=mock",
                        "POST /v1/acp/s-ws_a");
                assertThat(relayB.requestsSince(0)).containsExactly("GET /v1/health",
                        "PUT /v1/fs/file?path=" + roots + "/ws_b/hello.txt", "POST /v1/acp/s-ws_b?agent=mock",
                        "POST /v1/acp/s-ws_b");
                assertThat(relayA.all()).contains("Bearer " + sandboxA.token()).doesNotContain(sandboxB.token())
                        .doesNotContain("role-owner@");
                assertThat(relayB.all()).contains("Bearer " + sandboxB.token()).doesNotContain(sandboxA.token())
                        .doesNotContain("role-owner@");
                // The agent processes run in their own sandbox; the files are in their own roots.
                assertThat(sandboxA.liveAgentProcesses()).isPositive();
                assertThat(sandboxB.liveAgentProcesses()).isPositive();
                assertThat(Files.readString(roots.resolve("ws_a/hello.txt"))).isEqualTo("from ws_a");
                assertThat(Files.readString(roots.resolve("ws_b/hello.txt"))).isEqualTo("from ws_b");

                // Neither workspace's caller reaches the other's sandbox, nor does an unmapped workspace any.
                int markA = relayA.mark();
                int markB = relayB.mark();
                String ownerOfA = "Authorization: Bearer " + RoleTokenAuthenticator.token(WorkspaceRole.OWNER, "ws_a");
                assertThat(send(gateway, "GET /sandbox/ws_b/v1/health", ownerOfA, null).status()).isEqualTo(403);
                String ownerOfC = "Authorization: Bearer " + RoleTokenAuthenticator.token(WorkspaceRole.OWNER, "ws_c");
                RawClient.Response unmapped = send(gateway, "GET /sandbox/ws_c/v1/health", ownerOfC, null);
                assertThat(unmapped.status()).isEqualTo(404);
                assertThat(unmapped.bodyText()).contains("workspace-not-found")
                        .doesNotContain(sandboxA.token()).doesNotContain(sandboxB.token());
                assertThat(relayA.mark()).isEqualTo(markA);
                assertThat(relayB.mark()).isEqualTo(markB);
            }
        } finally {
            System.clearProperty("sandboxgate.it.token-a");
            System.clearProperty("sandboxgate.it.token-b");
        }
    }

    private static RawClient.Response send(GatewayServer gateway, String requestLine, String auth, String body)
            throws Exception {
        byte[] bytes = body == null ? null : body.getBytes(StandardCharsets.UTF_8);
        return RawClient.exchange(gateway.baseUrl(), requestLine + " HTTP/1.1\r\nHost: gw\r\n" + auth
                + (bytes == null ? "" : "\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                + bytes.length) + "\r\nConnection: close", bytes);
    }
}
