package dev.sandboxgate.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code config-file}: a properties file for long lists, consulted for params web.xml leaves unset. */
class ConfigFileTest {

    private static Settings settings(Map<String, String> params, Map<String, String> env) {
        return Settings.of("SandboxAuthFilter", params::get, env::get, n -> null);
    }

    @Test
    void suppliesParamsThatWebXmlLeavesUnsetOrUnresolved(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("gate.properties"), String.join("\n",
                "jwt-audience = api-1, api-2, \\",
                "    api-3",
                "jwt-issuer = ${env:ISSUER}",
                "app-api-token = from-file",
                "jwt-hmac-secret = a-file-supplied-secret-of-32-bytes-or-more"));
        Settings settings = SandboxAuthFilter.withConfigFile(settings(Map.of("config-file", file.toString(),
                "app-api-token", "${env:APP_API_TOKEN}", "jwt-issuer", "https://web-xml.example"),
                Map.of("ISSUER", "https://env.example")));
        assertThat(settings.list("jwt-audience")).containsExactly("api-1", "api-2", "api-3");
        assertThat(settings.required("jwt-issuer")).isEqualTo("https://web-xml.example");
        assertThat(settings.required("app-api-token")).isEqualTo("from-file");
        // address check, authentication, authorization, rate limits
        assertThat(SandboxAuthFilter.buildGate(settings).stages()).hasSize(4);
    }

    @Test
    void aMissingFileStopsDeploymentNamingIt(@TempDir Path dir) {
        Path missing = dir.resolve("nope.properties");
        assertThatThrownBy(() -> SandboxAuthFilter.withConfigFile(settings(Map.of("config-file",
                missing.toString()), Map.of())))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'config-file'")
                .hasMessageContaining("nope.properties");
    }

    @Test
    void anInvalidAccessTokenModeStopsDeployment() {
        assertThatThrownBy(() -> SandboxAuthFilter.buildGate(settings(Map.of("app-api-token", "t",
                "access-token-query", "always"), Map.of())))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'access-token-query' = 'always'");
    }
}
