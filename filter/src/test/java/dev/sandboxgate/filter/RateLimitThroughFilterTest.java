package dev.sandboxgate.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxgate.filter.auth.MutableClock;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rate limits as a caller meets them: through the filter in a real container, on a clock the test moves. */
class RateLimitThroughFilterTest {
    private static final String HEALTH = "/ws_1/v1/health";
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T12:00:00Z"));

    @Test
    void the429CarriesRetryAfterAndRateLimitHeadersThatMatchTheBucket() throws Exception {
        try (FilterServer gate = FilterServer.start(Map.of("rate-limits", "health=3/1m"), clock)) {
            for (int i = 0; i < 3; i++) {
                assertThat(gate.getAsApp(HEALTH).statusCode()).isEqualTo(200);
            }
            HttpResponse<String> refused = gate.getAsApp(HEALTH);

            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(refused.body()).contains("\"type\":\"urn:sandbox-gate:problem:rate-limited\"")
                    .contains("'health'");
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("20");
            assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue("\"health\";q=3;w=60");
            assertThat(refused.headers().firstValue("RateLimit")).hasValue("\"health\";r=0;t=20");
            assertThat(gate.reached()).isEqualTo(3);

            clock.advance(Duration.ofSeconds(7));
            HttpResponse<String> stillRefused = gate.getAsApp(HEALTH);
            assertThat(stillRefused.headers().firstValue("Retry-After")).hasValue("13");
            assertThat(stillRefused.headers().firstValue("RateLimit")).hasValue("\"health\";r=0;t=13");

            clock.advance(Duration.ofSeconds(13));
            assertThat(gate.getAsApp(HEALTH).statusCode()).isEqualTo(200);
            assertThat(gate.getAsApp(HEALTH).statusCode()).isEqualTo(429);
            assertThat(gate.reached()).isEqualTo(4);
        }
    }

    @Test
    void allowedResponsesCarryTheHeadersWhenAskedTo() throws Exception {
        try (FilterServer gate = FilterServer.start(Map.of("rate-limits", "health=3/1m",
                "rate-limit-headers", "all"), clock)) {
            HttpResponse<String> first = gate.getAsApp(HEALTH);

            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(first.headers().firstValue("RateLimit-Policy")).hasValue("\"health\";q=3;w=60");
            assertThat(first.headers().firstValue("RateLimit")).hasValue("\"health\";r=2;t=20");
            assertThat(first.headers().firstValue("Retry-After")).isEmpty();
        }
    }

    @Test
    void failedAuthenticationsFromOneAddressAreRefusedBeforeAuthenticationOnceItsBucketIsEmpty() throws Exception {
        try (FilterServer gate = FilterServer.start(Map.of("rate-limits", "unauthenticated=3/1m"), clock)) {
            for (int i = 0; i < 5; i++) {
                assertThat(gate.getAsApp(HEALTH).statusCode()).as("successes cost nothing").isEqualTo(200);
            }
            for (int i = 0; i < 3; i++) {
                assertThat(gate.get(HEALTH, "Authorization", "Bearer guess-" + i).statusCode()).isEqualTo(401);
            }
            assertThat(gate.get(HEALTH).statusCode()).as("no credential counts too").isEqualTo(429);

            HttpResponse<String> evenTheRightToken = gate.getAsApp(HEALTH);
            assertThat(evenTheRightToken.statusCode()).isEqualTo(429);
            assertThat(evenTheRightToken.body()).contains("'unauthenticated'");
            assertThat(evenTheRightToken.headers().firstValue("Retry-After")).hasValue("20");
            assertThat(evenTheRightToken.headers().firstValue("RateLimit"))
                    .hasValue("\"unauthenticated\";r=0;t=20");
            assertThat(gate.reached()).isEqualTo(5);

            clock.advance(Duration.ofSeconds(20));
            assertThat(gate.getAsApp(HEALTH).statusCode()).isEqualTo(200);
            assertThat(gate.get(HEALTH, "Authorization", "Bearer guess-again").statusCode()).isEqualTo(401);
            assertThat(gate.getAsApp(HEALTH).statusCode()).isEqualTo(429);
        }
    }

    @Test
    void aForwardedForHeaderFromAnUntrustedPeerChangesNothing() throws Exception {
        try (FilterServer gate = FilterServer.start(Map.of("rate-limits", "unauthenticated=2/1m"), clock)) {
            gate.get(HEALTH, "X-Forwarded-For", "203.0.113.1");
            gate.get(HEALTH, "X-Forwarded-For", "203.0.113.2");

            assertThat(gate.get(HEALTH, "X-Forwarded-For", "203.0.113.3").statusCode())
                    .as("still the socket's address, 127.0.0.1").isEqualTo(429);
        }
    }

    @Test
    void behindATrustedProxyEachForwardedClientHasItsOwnBucket() throws Exception {
        try (FilterServer gate = FilterServer.start(Map.of("rate-limits", "unauthenticated=2/1m",
                "trusted-proxies", "127.0.0.1/32, 10.0.0.0/8"), clock)) {
            gate.get(HEALTH, "X-Forwarded-For", "203.0.113.1");
            gate.get(HEALTH, "X-Forwarded-For", "198.51.100.9, 203.0.113.1, 10.1.2.3");
            assertThat(gate.get(HEALTH, "X-Forwarded-For", "203.0.113.1").statusCode()).isEqualTo(429);

            assertThat(gate.get(HEALTH, "X-Forwarded-For", "203.0.113.2").statusCode()).isEqualTo(401);
            assertThat(gate.get(HEALTH, "X-Forwarded-For", "203.0.113.1, 203.0.113.2").statusCode())
                    .as("the client cannot pick an address left of its own").isEqualTo(401);
            assertThat(gate.get(HEALTH, "X-Forwarded-For", "203.0.113.2").statusCode()).isEqualTo(429);
        }
    }

    @Test
    void anIpv6CallerIsCountedByItsSlash64() throws Exception {
        try (FilterServer gate = FilterServer.start(Map.of("rate-limits", "unauthenticated=2/1m",
                "trusted-proxies", "127.0.0.1"), clock)) {
            gate.get(HEALTH, "X-Forwarded-For", "2001:db8:1:2::1");
            gate.get(HEALTH, "X-Forwarded-For", "[2001:db8:1:2:ffff::7]:4711");

            assertThat(gate.get(HEALTH, "X-Forwarded-For", "2001:db8:1:2:abcd::99").statusCode())
                    .as("another address of the same /64").isEqualTo(429);
            assertThat(gate.get(HEALTH, "X-Forwarded-For", "2001:db8:1:3::1").statusCode())
                    .as("the next /64").isEqualTo(401);
        }
    }

    @Test
    void invalidSettingsStopDeployment() {
        assertThatThrownBy(() -> SandboxAuthFilter.buildGate(settings(Map.of("rate-limits", "fs.write=lots"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'rate-limits'");
        assertThatThrownBy(() -> SandboxAuthFilter.buildGate(settings(Map.of("trusted-proxies", "10.0.0.0/33"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'trusted-proxies'");
        assertThatThrownBy(() -> SandboxAuthFilter.buildGate(settings(Map.of("max-streams-per-subject", "-1"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'max-streams-per-subject'");
        assertThatThrownBy(() -> SandboxAuthFilter.buildGate(settings(Map.of("rate-limit-backend", "redis",
                "rate-limit-redis-url", "redis://127.0.0.1:1"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'rate-limit-redis-failure'");
        assertThatThrownBy(() -> SandboxAuthFilter.buildGate(settings(Map.of("rate-limit-backend", "redis",
                "rate-limit-redis-failure", "closed", "rate-limit-redis-url", "mysql://:s3cret-pw@host"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'rate-limit-redis-url'")
                .message().doesNotContain("s3cret-pw");
    }

    private static Settings settings(Map<String, String> params) {
        Map<String, String> all = new java.util.HashMap<>(params);
        all.put("app-api-token", FilterServer.TOKEN);
        return Settings.of("gate", all::get, name -> null, name -> null);
    }
}
