package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxgate.filter.ConfigurationException;
import dev.sandboxgate.filter.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Two workspaces on two sandboxes: each request reaches only its own sandbox, with only that sandbox's token. */
@ExtendWith(LogLeakGuard.class)
class SandboxDirectoryTest {
    private static final String TOKEN_A = "directory-token-a-51c9e0";
    private static final String TOKEN_B = "directory-token-b-7d22f3";
    private static final String AUTH = "Authorization: Bearer " + GatewayServer.APP_TOKEN;

    @TempDir
    Path dir;

    private Path directoryFile(RawUpstream a, RawUpstream b, boolean fallback) throws Exception {
        return Files.writeString(dir.resolve("sandboxes.properties"), String.join("\n",
                "sandbox.a.url = " + a.url(),
                "sandbox.a.token = ${sys:sandboxgate.test.token-a}",
                "sandbox.b.url = " + b.url() + "/",
                "sandbox.b.token = " + TOKEN_B,
                "workspace.ws_a = a",
                "workspace.ws_b = b",
                fallback ? "workspace.* = b" : ""));
    }

    @Test
    void eachWorkspaceReachesOnlyItsOwnSandboxWithItsOwnToken() throws Exception {
        System.setProperty("sandboxgate.test.token-a", TOKEN_A);
        try (RawUpstream a = RawUpstream.healthy(); RawUpstream b = RawUpstream.healthy()) {
            Map<String, String> proxy = Map.of("sandbox-directory", "file",
                    "sandbox-directory-file", directoryFile(a, b, false).toString());
            try (GatewayServer gw = GatewayServer.start("http://127.0.0.1:9", proxy, Map.of())) {
                for (String workspace : new String[] {"ws_a", "ws_b", "ws_a"}) {
                    RawClient.Response response = RawClient.exchange(gw.baseUrl(), "GET /sandbox/" + workspace
                            + "/v1/health HTTP/1.1\r\nHost: gw\r\n" + AUTH + "\r\nConnection: close", null);
                    assertThat(response.status()).isEqualTo(200);
                    RawUpstream own = workspace.equals("ws_a") ? a : b;
                    RawUpstream other = workspace.equals("ws_a") ? b : a;
                    RawUpstream.Head head = own.nextRequest(5, TimeUnit.SECONDS);
                    assertThat(head.first("Authorization"))
                            .isEqualTo("Bearer " + (workspace.equals("ws_a") ? TOKEN_A : TOKEN_B));
                    assertThat(head.target()).isEqualTo("/v1/health");
                    assertThat(other.nextRequest(0, TimeUnit.MILLISECONDS)).isNull();
                }

                RawClient.Response unknown = RawClient.exchange(gw.baseUrl(), "GET /sandbox/ws_c/v1/health HTTP/1.1"
                        + "\r\nHost: gw\r\n" + AUTH + "\r\nConnection: close", null);
                assertThat(unknown.status()).isEqualTo(404);
                assertThat(unknown.bodyText()).contains("urn:sandbox-gate:problem:workspace-not-found")
                        .doesNotContain(TOKEN_A).doesNotContain(TOKEN_B);
                assertThat(a.connectionCount() + b.connectionCount()).isEqualTo(3);
            }
        } finally {
            System.clearProperty("sandboxgate.test.token-a");
        }
    }

    @Test
    void aFallbackServesEveryOtherWorkspace() throws Exception {
        System.setProperty("sandboxgate.test.token-a", TOKEN_A);
        try (RawUpstream a = RawUpstream.healthy(); RawUpstream b = RawUpstream.healthy()) {
            Settings settings = settings(Map.of("sandbox-directory", "file",
                    "sandbox-directory-file", directoryFile(a, b, true).toString()));
            SandboxDirectory directory = SandboxDirectories.from(settings, ProxySettings.from(settings));
            assertThat(directory.sandboxFor("ws_a").id()).isEqualTo("a");
            assertThat(directory.sandboxFor("ws_zz").id()).isEqualTo("b");
            assertThat(directory.sandboxFor("ws_zz").baseUrl().toString()).isEqualTo(b.url());
            assertThat(directory.sandboxFor("ws_zz").toString()).doesNotContain(TOKEN_B);
        } finally {
            System.clearProperty("sandboxgate.test.token-a");
        }
    }

    @Test
    void aDirectoryThatIsIncompleteStopsDeploymentNamingTheKey() throws Exception {
        Path missingToken = Files.writeString(dir.resolve("a.properties"),
                "sandbox.a.url = http://127.0.0.1:1\nworkspace.ws_a = a\n");
        assertThatThrownBy(() -> build(missingToken)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'sandbox.a.token'");
        Path unknownSandbox = Files.writeString(dir.resolve("b.properties"),
                "sandbox.a.url = http://127.0.0.1:1\nsandbox.a.token = t\nworkspace.ws_a = nope\n");
        assertThatThrownBy(() -> build(unknownSandbox)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'workspace.ws_a' = 'nope'");
        Path typo = Files.writeString(dir.resolve("c.properties"),
                "sandbox.a.url = http://127.0.0.1:1\nsandbox.a.token = t\nworkspaces.ws_a = a\n");
        assertThatThrownBy(() -> build(typo)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'workspaces.ws_a'");
        assertThatThrownBy(() -> build(dir.resolve("none.properties"))).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'sandbox-directory-file'");
        assertThatThrownBy(() -> SandboxDirectories.from(settings(Map.of("sandbox-directory", "ldap")), null))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'sandbox-directory' = 'ldap'");
    }

    private SandboxDirectory build(Path file) {
        Settings settings = settings(Map.of("sandbox-directory", "file", "sandbox-directory-file", file.toString()));
        return SandboxDirectories.from(settings, ProxySettings.from(settings));
    }

    private static Settings settings(Map<String, String> params) {
        Map<String, String> all = new HashMap<>(params);
        return Settings.of("SandboxProxyServlet", all::get, System::getenv, System::getProperty);
    }
}
