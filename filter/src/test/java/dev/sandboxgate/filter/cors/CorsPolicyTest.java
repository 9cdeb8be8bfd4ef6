package dev.sandboxgate.filter.cors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxgate.filter.ConfigurationException;
import dev.sandboxgate.filter.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a CORS configuration may say: wrong ones stop deployment, naming the init-param. */
class CorsPolicyTest {

    @Test
    void offUnlessOriginsAreListed() {
        assertThat(CorsPolicy.from(settings(Map.of()))).isNull();
    }

    @Test
    void refusesAnyOriginTogetherWithCredentials() {
        assertThatThrownBy(() -> CorsPolicy.from(settings(Map.of("cors-allowed-origins", "*",
                "cors-allow-credentials", "true"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("cors-allowed-origins");
    }

    @Test
    void refusesOriginsThatAreNotOrigins() {
        for (String origin : new String[] {"null", "https://app.example.com/path", "app.example.com",
                "https://app.example.com,*", "ftp://app.example.com"}) {
            assertThatThrownBy(() -> CorsPolicy.from(settings(Map.of("cors-allowed-origins", origin))))
                    .as(origin).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("cors-allowed-origins");
        }
    }

    @Test
    void refusesAWildcardHeader() {
        assertThatThrownBy(() -> CorsPolicy.from(settings(Map.of("cors-allowed-origins", "https://a.example",
                "cors-allowed-headers", "*"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("cors-allowed-headers");
    }

    @Test
    void acceptsExactOriginsWithPortsAndAnyOriginWithoutCredentials() {
        assertThat(CorsPolicy.from(settings(Map.of("cors-allowed-origins",
                "https://app.example.com, http://127.0.0.1:3000, http://[::1]:8080")))).isNotNull();
        assertThat(CorsPolicy.from(settings(Map.of("cors-allowed-origins", "*")))).isNotNull();
    }

    private static Settings settings(Map<String, String> params) {
        return Settings.of("test", params::get, name -> null, name -> null);
    }
}
