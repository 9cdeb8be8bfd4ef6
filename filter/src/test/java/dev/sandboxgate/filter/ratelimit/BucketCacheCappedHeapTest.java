package dev.sandboxgate.filter.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.auth.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A flood of distinct callers cannot exhaust the heap: runs in its own surefire execution, in a JVM capped at 64 MiB
 * (see filter/pom.xml), where a million buckets kept would not fit (each is several hundred bytes).
 */
@Tag("capped-heap")
class BucketCacheCappedHeapTest {
    private static final int MAXIMUM = 10_000;

    @Test
    void aMillionDistinctKeysLeaveTheCacheAtItsMaximum() {
        assertThat(Runtime.getRuntime().maxMemory()).as("run with -Xmx64m").isLessThanOrEqualTo(80L << 20);
        MutableClock clock = new MutableClock(Instant.parse("2026-11-26T12:00:00Z"));
        RatePolicy policy = new RatePolicy("default", 600, Duration.ofMinutes(1), 600);
        LocalBuckets buckets = new LocalBuckets(MAXIMUM, policy.timeToFill(), RateLimiting.timeMeter(clock));

        for (int i = 0; i < 1_000_000; i++) {
            Decision decision = buckets.consume(new BucketKey(policy, "caller-" + i, "ws_" + (i % 100)));
            assertThat(decision.remaining()).isEqualTo(599);
        }

        assertThat(buckets.size()).isEqualTo(MAXIMUM);
    }
}
