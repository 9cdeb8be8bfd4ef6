package dev.sandboxgate.filter.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.auth.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The arithmetic, exact to the token, on a clock the test moves: nobody sleeps. */
class TokenBucketTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T12:00:00Z"));

    private RateLimitStage stage(String limits) {
        RatePolicies policies = RatePolicies.from(RatePoliciesTest.settings(Map.of(RatePolicies.PARAM, limits)));
        LocalBuckets buckets = new LocalBuckets(1000, policies.longestFill(), RateLimiting.timeMeter(clock));
        return new RateLimitStage(policies, buckets, null, false);
    }

    @Test
    void burstThenOneTokenPerIntervalExactly() {
        RateLimitStage stage = stage("acp.send=10/1m,burst=5");

        for (int i = 4; i >= 0; i--) {
            Decision decision = stage.decide("alice", "ws_1", "acp.send");
            assertThat(decision.allowed()).isTrue();
            assertThat(decision.remaining()).isEqualTo(i);
        }
        Decision refused = stage.decide("alice", "ws_1", "acp.send");
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.waitNanos()).isEqualTo(Duration.ofSeconds(6).toNanos());
        assertThat(refused.waitSeconds()).isEqualTo(6);

        clock.advance(Duration.ofMillis(5999));
        Decision early = stage.decide("alice", "ws_1", "acp.send");
        assertThat(early.allowed()).isFalse();
        assertThat(early.waitNanos()).isEqualTo(Duration.ofMillis(1).toNanos());
        assertThat(early.waitSeconds()).as("rounded up").isEqualTo(1);

        clock.advance(Duration.ofMillis(1));
        assertThat(stage.decide("alice", "ws_1", "acp.send").allowed()).isTrue();
        assertThat(stage.decide("alice", "ws_1", "acp.send").allowed()).isFalse();

        clock.advance(Duration.ofSeconds(18));
        assertThat(stage.decide("alice", "ws_1", "acp.send").remaining()).as("3 tokens came, one taken").isEqualTo(2);
    }

    @Test
    void anIdleBucketFillsToItsBurstAndNoFurther() {
        RateLimitStage stage = stage("fs.write=60/1m,burst=3");
        for (int i = 0; i < 3; i++) {
            assertThat(stage.decide("bob", "ws_1", "fs.write").allowed()).isTrue();
        }
        clock.advance(Duration.ofHours(5));

        int allowed = 0;
        while (stage.decide("bob", "ws_1", "fs.write").allowed()) {
            allowed++;
        }
        assertThat(allowed).isEqualTo(3);
    }

    @Test
    void eachSubjectWorkspaceAndPolicyHasItsOwnBucket() {
        RateLimitStage stage = stage("acp.send=1/1m; default=2/1m");

        assertThat(stage.decide("alice", "ws_1", "acp.send").allowed()).isTrue();
        assertThat(stage.decide("alice", "ws_1", "acp.send").allowed()).isFalse();
        assertThat(stage.decide("alice", "ws_2", "acp.send").allowed()).as("other workspace").isTrue();
        assertThat(stage.decide("bob", "ws_1", "acp.send").allowed()).as("other subject").isTrue();
        assertThat(stage.decide("alice", "ws_1", "fs.read").allowed()).as("default bucket").isTrue();
        assertThat(stage.decide("alice", "ws_1", "health").allowed()).as("shares the default bucket").isTrue();
        assertThat(stage.decide("alice", "ws_1", "agents.read").allowed()).isFalse();
    }

    @Test
    void anOperationWithoutPolicyIsUnlimitedOnlyWhenDefaultIsOff() {
        RateLimitStage stage = stage("default=off; acp.send=1/1m");

        assertThat(stage.decide("alice", "ws_1", "fs.read")).isNull();
        assertThat(stage.decide("alice", "ws_1", "acp.send").allowed()).isTrue();
    }

    @Test
    void headersStateTheBucket() {
        RateLimitStage stage = stage("health=3/1m");

        Decision first = stage.decide("alice", "ws_1", "health");
        assertThat(RateLimitHeaders.of(first)).containsExactly(
                Map.entry("RateLimit-Policy", "\"health\";q=3;w=60"),
                Map.entry("RateLimit", "\"health\";r=2;t=20"));
        stage.decide("alice", "ws_1", "health");
        stage.decide("alice", "ws_1", "health");
        clock.advance(Duration.ofSeconds(5));
        assertThat(RateLimitHeaders.of(stage.decide("alice", "ws_1", "health"))).containsExactly(
                Map.entry("RateLimit-Policy", "\"health\";q=3;w=60"),
                Map.entry("RateLimit", "\"health\";r=0;t=15"),
                Map.entry("Retry-After", "15"));
    }
}
