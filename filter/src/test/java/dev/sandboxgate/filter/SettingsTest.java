package dev.sandboxgate.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {
    private static Settings settings(Map<String, String> params, Map<String, String> env, Map<String, String> sys) {
        return Settings.of("TestFilter", params::get, env::get, sys::get);
    }

    @Test
    void resolvesEnvironmentAndSystemPropertyPlaceholders() {
        Settings s = settings(Map.of("url", "${env:SANDBOX_URL}/base", "name", "x-${sys:who}-y"),
                Map.of("SANDBOX_URL", "http://127.0.0.1:1"), Map.of("who", "me"));
        assertThat(s.required("url")).isEqualTo("http://127.0.0.1:1/base");
        assertThat(s.required("name")).isEqualTo("x-me-y");
    }

    @Test
    void systemPropertyWinsOverEnvironmentThroughANestedDefault() {
        String raw = "${sys:SANDBOX_URL:-${env:SANDBOX_URL}}";
        Map<String, String> env = Map.of("SANDBOX_URL", "from-env");
        assertThat(settings(Map.of("u", raw), env, Map.of()).required("u")).isEqualTo("from-env");
        assertThat(settings(Map.of("u", raw), env, Map.of("SANDBOX_URL", "from-sys")).required("u"))
                .isEqualTo("from-sys");
    }

    @Test
    void usesLiteralDefaultWhenVariableIsUnsetOrEmpty() {
        Settings s = settings(Map.of("size", "${env:MAX:-2MiB}"), Map.of("MAX", ""), Map.of());
        assertThat(s.size("size", 1)).isEqualTo(2L << 20);
    }

    @Test
    void resolvedValuesAreNotExpandedAgain() {
        Settings s = settings(Map.of("v", "${env:A}"), Map.of("A", "${env:B}", "B", "secret"), Map.of());
        assertThat(s.required("v")).isEqualTo("${env:B}");
    }

    @Test
    void missingRequiredParamNamesTheParamAndThePlaceholder() {
        Settings s = settings(Map.of("sandbox-url", "${env:SANDBOX_URL}"), Map.of(), Map.of());
        assertThatThrownBy(() -> s.required("sandbox-url"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("TestFilter")
                .hasMessageContaining("'sandbox-url'")
                .hasMessageContaining("${env:SANDBOX_URL}");
        assertThatThrownBy(() -> s.required("absent")).hasMessageContaining("'absent' is not set");
    }

    @Test
    void unbalancedPlaceholderNamesTheParamButNeverItsValue() {
        Settings s = settings(Map.of("app-api-token", "s3cr3t${env:X"), Map.of(), Map.of());
        assertThatThrownBy(() -> s.required("app-api-token"))
                .hasMessageContaining("'app-api-token'")
                .hasMessageNotContaining("s3cr3t");
    }

    @Test
    void parsesDurationsAndSizes() {
        Settings s = settings(Map.of("a", "500ms", "b", "30s", "c", "5m", "d", "2h", "k", "512KiB", "g", "1GiB",
                "n", "1234"), Map.of(), Map.of());
        assertThat(s.duration("a", null)).isEqualTo(Duration.ofMillis(500));
        assertThat(s.duration("b", null)).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.duration("c", null)).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.duration("d", null)).isEqualTo(Duration.ofHours(2));
        assertThat(s.duration("missing", Duration.ofSeconds(7))).isEqualTo(Duration.ofSeconds(7));
        assertThat(s.size("k", 0)).isEqualTo(512L * 1024);
        assertThat(s.size("g", 0)).isEqualTo(1L << 30);
        assertThat(s.size("n", 0)).isEqualTo(1234);
    }

    @Test
    void rejectsInvalidValuesNamingParamAndValue() {
        Settings s = settings(Map.of("t", "ten seconds", "z", "2 MB", "p", "-3"), Map.of(), Map.of());
        assertThatThrownBy(() -> s.duration("t", null)).hasMessageContaining("'t' = 'ten seconds'");
        assertThatThrownBy(() -> s.size("z", 0)).hasMessageContaining("'z' = '2 MB'");
        assertThatThrownBy(() -> s.positiveInt("p", 1)).hasMessageContaining("'p' = '-3'");
    }

    @Test
    void acceptsOnlyPlainHttpUrls() {
        assertThat(settings(Map.of("u", "http://127.0.0.1:2468/"), Map.of(), Map.of()).httpUrl("u"))
                .hasToString("http://127.0.0.1:2468");
        for (String bad : new String[] {"ftp://host", "127.0.0.1:2468", "http://u:p@host", "http://h/?q=1",
                "http://h/#f", "not a url"}) {
            assertThatThrownBy(() -> settings(Map.of("u", bad), Map.of(), Map.of()).httpUrl("u"))
                    .as(bad).isInstanceOf(ConfigurationException.class);
        }
    }
}
