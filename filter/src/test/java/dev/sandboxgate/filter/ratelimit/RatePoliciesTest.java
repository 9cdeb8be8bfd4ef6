package dev.sandboxgate.filter.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxgate.filter.ConfigurationException;
import dev.sandboxgate.filter.Settings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RatePoliciesTest {

    static Settings settings(Map<String, String> params) {
        return Settings.of("gate", params::get, name -> null, name -> null);
    }

    private static RatePolicies parse(String text) {
        return RatePolicies.from(settings(Map.of(RatePolicies.PARAM, text)));
    }

    @Test
    void readsTheIssuesExample() {
        RatePolicies policies = parse("acp.send=10/1m,burst=5; fs.write=60/1m; default=600/1m; unauthenticated=30/1m");

        RatePolicy send = policies.forOperation("acp.send");
        assertThat(send.tokens()).isEqualTo(10);
        assertThat(send.period()).isEqualTo(Duration.ofMinutes(1));
        assertThat(send.burst()).isEqualTo(5);
        assertThat(policies.forOperation("fs.write").burst()).isEqualTo(60);
        assertThat(policies.forOperation("fs.read").name()).isEqualTo("default");
        assertThat(policies.forOperation("fs.read").tokens()).isEqualTo(600);
        assertThat(policies.forOperation(null).name()).isEqualTo("default");
        assertThat(policies.unauthenticated().tokens()).isEqualTo(30);
        assertThat(send.headerItem()).isEqualTo("\"acp.send\";q=10;w=60");
    }

    @Test
    void keepsTheBuiltInRowsThatAreNotOverriddenAndDropsRowsTurnedOff() {
        RatePolicies policies = parse("fs.write=5/1s; unauthenticated=off");

        assertThat(policies.forOperation("fs.write").tokens()).isEqualTo(5);
        assertThat(policies.forOperation("acp.send").tokens()).isEqualTo(120);
        assertThat(policies.forOperation("health").tokens()).isEqualTo(1200);
        assertThat(policies.unauthenticated()).isNull();
    }

    @Test
    void appliesTheBuiltInDefaultsWhenUnsetAndNothingWhenOff() {
        RatePolicies defaults = RatePolicies.from(settings(Map.of()));
        assertThat(defaults.forOperation("acp.send").tokens()).isEqualTo(120);
        assertThat(defaults.unauthenticated().tokens()).isEqualTo(60);

        assertThat(parse("off")).isNull();
    }

    @Test
    void longerPeriodsAndHours() {
        RatePolicies policies = parse("process.exec=100/10m; fs.upload=3/1h,burst=1");

        assertThat(policies.forOperation("process.exec").period()).isEqualTo(Duration.ofMinutes(10));
        assertThat(policies.forOperation("fs.upload").period()).isEqualTo(Duration.ofHours(1));
        assertThat(policies.forOperation("fs.upload").timeToFill()).isGreaterThanOrEqualTo(Duration.ofMinutes(20));
    }

    @Test
    void invalidSyntaxFailsDeploymentNamingTheParamAndTheRow() {
        assertThatThrownBy(() -> parse("acp.send=10 per minute"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'rate-limits'")
                .hasMessageContaining("cannot read 'acp.send=10 per minute'");
        assertThatThrownBy(() -> parse("acp.send=10/1m,burst=five")).hasMessageContaining("cannot read");
        assertThatThrownBy(() -> parse("acp.send=10/1d")).hasMessageContaining("cannot read");
        assertThatThrownBy(() -> parse("acp.send=0/1m")).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> parse("acp.send=10/1m,burst=0")).hasMessageContaining("at least 1");
    }

    @Test
    void unknownOrRepeatedNamesFailDeployment() {
        assertThatThrownBy(() -> parse("acp.sned=10/1m"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("unknown name 'acp.sned'")
                .hasMessageContaining("acp.send");
        assertThatThrownBy(() -> parse("default=10/1m; default=20/1m")).hasMessageContaining("'default' twice");
    }
}
