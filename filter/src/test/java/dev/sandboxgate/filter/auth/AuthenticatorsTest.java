package dev.sandboxgate.filter.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxgate.filter.Authentication;
import dev.sandboxgate.filter.Authenticator;
import dev.sandboxgate.filter.ConfigurationException;
import dev.sandboxgate.filter.SandboxPrincipal;
import dev.sandboxgate.filter.Settings;
import dev.sandboxgate.filter.WorkspaceRole;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthenticatorsTest {

    /** A plug-in authenticator, configured from the same init-params. */
    public static final class LetsEveryoneIn implements Authenticator {
        private final String subject;

        public LetsEveryoneIn(Settings settings) {
            subject = settings.optional("everyone-subject").orElse("anyone");
        }

        @Override
        public Authentication authenticate(HttpServletRequest request) {
            return new Authentication.Authenticated(new SandboxPrincipal(subject, "custom", Map.of(),
                    WorkspaceRole.VIEWER));
        }
    }

    private static Authenticators configure(Map<String, String> params) {
        return Authenticators.configure(JwtAuthenticatorTest.settings(params));
    }

    @Test
    void refusesToDeployWithoutAnyAuthenticatorNamingTheParams() {
        assertThatThrownBy(() -> configure(Map.of("app-api-token", "${env:SURELY_UNSET_TOKEN_VARIABLE}")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("no authenticator is configured")
                .hasMessageContaining("'app-api-token' ('${env:SURELY_UNSET_TOKEN_VARIABLE}' resolves to nothing)")
                .hasMessageContaining("'jwt-hmac-secret'").hasMessageContaining("'jwt-jwks-url'")
                .hasMessageContaining("'api-keys-file'").hasMessageContaining("'container-role-pattern'");
    }

    @Test
    void usesEveryConfiguredAuthenticatorInTheDefaultOrder(@TempDir Path dir) throws Exception {
        Path keys = Files.writeString(dir.resolve("keys"), "");
        Authenticators all = configure(Map.of("app-api-token", "t0k3n", "jwt-hmac-secret", TestKeys.HMAC_SECRET,
                "api-keys-file", keys.toString(), "container-role-pattern", "sandbox:{workspace}:{role}"));
        assertThat(all.ordered()).extracting(a -> a.getClass().getSimpleName()).containsExactly(
                "JwtAuthenticator", "ApiKeyAuthenticator", "StaticTokenAuthenticator", "ContainerAuthenticator");
        assertThat(all.credentialHeaders()).isEmpty();
    }

    @Test
    void followsTheConfiguredOrderAndCollectsDedicatedKeyHeaders(@TempDir Path dir) throws Exception {
        Path keys = Files.writeString(dir.resolve("keys"), "");
        Authenticators some = configure(Map.of("authenticators", "app-token, api-key", "app-api-token", "t0k3n",
                "api-keys-file", keys.toString(), "api-key-header", "X-API-Key",
                "jwt-hmac-secret", TestKeys.HMAC_SECRET));
        assertThat(some.ordered()).extracting(a -> a.getClass().getSimpleName())
                .containsExactly("StaticTokenAuthenticator", "ApiKeyAuthenticator");
        assertThat(some.credentialHeaders()).containsExactly("x-api-key");
    }

    @Test
    void loadsAnAuthenticatorClassOfYourOwn() {
        Authenticators custom = configure(Map.of("authenticators", "jwt," + LetsEveryoneIn.class.getName(),
                "jwt-hmac-secret", TestKeys.HMAC_SECRET, "everyone-subject", "guest"));
        Authenticator last = custom.ordered().get(1);
        assertThat(((Authentication.Authenticated) last.authenticate(new FakeRequest().build())).principal()
                .subject()).isEqualTo("guest");
    }

    @Test
    void refusesListsNamingUnconfiguredOrUnknownAuthenticators() {
        assertThatThrownBy(() -> configure(Map.of("authenticators", "jwt", "app-api-token", "t")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("names 'jwt'")
                .hasMessageContaining("'jwt-hmac-secret'");
        assertThatThrownBy(() -> configure(Map.of("authenticators", "ldap", "app-api-token", "t")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("unknown: 'ldap'");
        assertThatThrownBy(() -> configure(Map.of("authenticators", "com.example.Missing", "app-api-token", "t")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("com.example.Missing");
        assertThatThrownBy(() -> configure(Map.of("authenticators", "app-token,app-token", "app-api-token", "t")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("once");
    }

    @Test
    void refusesJwtSettingsWithoutAnyJwtKey() {
        assertThatThrownBy(() -> configure(Map.of("app-api-token", "t", "jwt-issuer", "https://idp.example")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'jwt-issuer' is set but no JWT key");
    }
}
