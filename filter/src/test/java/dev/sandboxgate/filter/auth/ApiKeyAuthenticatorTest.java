package dev.sandboxgate.filter.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxgate.filter.Authentication;
import dev.sandboxgate.filter.ConfigurationException;
import dev.sandboxgate.filter.ProblemType;
import dev.sandboxgate.filter.SandboxPrincipal;
import dev.sandboxgate.filter.WorkspaceRole;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeyAuthenticatorTest {
    private static final String CI_KEY = "sgk_ci_0f4c1d9e8b7a6f5e4d3c2b1a09f8e7d6";
    private static final String AUDIT_KEY = "sgk_audit_77aa55cc33ee11ff99bb";

    @TempDir
    Path dir;

    static String hash(String algorithm, String key) throws Exception {
        String jca = "SHA-" + algorithm.substring(3);
        return algorithm + ":" + HexFormat.of().formatHex(
                MessageDigest.getInstance(jca).digest(key.getBytes(StandardCharsets.UTF_8)));
    }

    private Path keysFile() throws Exception {
        Path file = dir.resolve("api-keys.txt");
        Files.writeString(file, String.join("\n",
                "# Sandbox Gate API keys: hashes only",
                "",
                hash("sha256", CI_KEY) + "  ci-bot   ws_1=owner,ws_2=viewer",
                hash("sha512", AUDIT_KEY) + "\tauditor\t*=viewer",
                hash("sha256", "sgk_nobody_but_a_long_enough_key") + " no-roles"));
        return file;
    }

    private ApiKeyAuthenticator apiKeys(String... more) throws Exception {
        Map<String, String> params = new HashMap<>(Map.of("api-keys-file", keysFile().toString()));
        for (int i = 0; i < more.length; i += 2) {
            params.put(more[i], more[i + 1]);
        }
        return ApiKeyAuthenticator.from(JwtAuthenticatorTest.settings(params));
    }

    private static SandboxPrincipal accepted(Authentication result) {
        assertThat(result).isInstanceOf(Authentication.Authenticated.class);
        return ((Authentication.Authenticated) result).principal();
    }

    @Test
    void acceptsABearerApiKeyWithTheRolesListedForIt() throws Exception {
        ApiKeyAuthenticator authenticator = apiKeys();
        assertThat(authenticator.size()).isEqualTo(3);
        SandboxPrincipal ci = accepted(authenticator.authenticate(FakeRequest.bearer(CI_KEY).build()));
        assertThat(ci.subject()).isEqualTo("ci-bot");
        assertThat(ci.authMethod()).isEqualTo("api-key");
        assertThat(ci.workspaceRoles()).containsOnly(
                Map.entry("ws_1", WorkspaceRole.OWNER), Map.entry("ws_2", WorkspaceRole.VIEWER));
        SandboxPrincipal auditor = accepted(authenticator.authenticate(FakeRequest.bearer(AUDIT_KEY).build()));
        assertThat(auditor.roleIn("any_workspace")).hasValue(WorkspaceRole.VIEWER);
    }

    @Test
    void leavesUnknownBearerTokensToOthersUnlessTheyCarryTheKeyPrefix() throws Exception {
        assertThat(apiKeys().authenticate(FakeRequest.bearer("sgk_unknown_key").build()))
                .isSameAs(Authentication.NOT_RECOGNISED);
        ApiKeyAuthenticator prefixed = apiKeys("api-key-prefix", "sgk_");
        Authentication unknown = prefixed.authenticate(FakeRequest.bearer("sgk_unknown_key").build());
        assertThat(unknown).isInstanceOf(Authentication.Rejected.class);
        assertThat(((Authentication.Rejected) unknown).type()).isEqualTo(ProblemType.CREDENTIAL_INVALID);
        assertThat(((Authentication.Rejected) unknown).detail()).doesNotContain("sgk_unknown_key");
        assertThat(prefixed.authenticate(FakeRequest.bearer("eyJhbGciOiJIUzI1NiJ9.e30.x").build()))
                .isSameAs(Authentication.NOT_RECOGNISED);
        accepted(prefixed.authenticate(FakeRequest.bearer(CI_KEY).build()));
    }

    @Test
    void readsKeysFromADedicatedHeaderAndRefusesUnknownOnes() throws Exception {
        ApiKeyAuthenticator authenticator = apiKeys("api-key-header", "X-API-Key");
        assertThat(authenticator.dedicatedHeader()).isEqualTo("X-API-Key");
        accepted(authenticator.authenticate(new FakeRequest().header("X-API-Key", CI_KEY).build()));
        Authentication wrong = authenticator.authenticate(new FakeRequest().header("X-API-Key", "nope").build());
        assertThat(((Authentication.Rejected) wrong).type()).isEqualTo(ProblemType.CREDENTIAL_INVALID);
        assertThat(authenticator.authenticate(FakeRequest.bearer(CI_KEY).build()))
                .isSameAs(Authentication.NOT_RECOGNISED);
    }

    @Test
    void neverHashesOverlongKeys() throws Exception {
        assertThat(apiKeys().authenticate(FakeRequest.bearer("k".repeat(5000)).build()))
                .isSameAs(Authentication.NOT_RECOGNISED);
    }

    @Test
    void refusesABadKeysFileNamingTheLine() throws Exception {
        String[][] cases = {
            {"sha256:abc ci-bot", "64 hex digits"},
            {"md5:" + "a".repeat(32) + " ci-bot", "sha256:"},
            {hash("sha256", "k1") + " ci-bot ws_1=admin", "not 'ws_1=admin'"},
            {hash("sha256", "k1") + " ci-bot ws 1=owner", "'<algorithm>:<hex digest>"},
            {hash("sha256", "k1") + " a\n" + hash("sha256", "k1") + " b", "listed once"},
            {hash("sha256", "k1"), "'<algorithm>:<hex digest>"}};
        for (String[] c : cases) {
            Path file = dir.resolve("bad.txt");
            Files.writeString(file, "# header\n" + c[0] + "\n");
            assertThatThrownBy(() -> ApiKeyAuthenticator.from(JwtAuthenticatorTest.settings(
                    Map.of("api-keys-file", file.toString()))))
                    .as(c[0]).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("'api-keys-file'").hasMessageContaining("bad.txt line ")
                    .hasMessageContaining(c[1]);
        }
        assertThatThrownBy(() -> ApiKeyAuthenticator.from(JwtAuthenticatorTest.settings(
                Map.of("api-keys-file", dir.resolve("missing.txt").toString()))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("missing.txt");
    }
}
