package dev.sandboxgate.filter.ratelimit;

import io.github.bucket4j.BucketConfiguration;
import java.time.Duration;

/**
 * One row of {@code rate-limits}: {@code tokens} per {@code period}, refilled greedily (one token every
 * {@code period / tokens}), holding at most {@code burst} tokens. Policies are built once at start-up and compared by
 * identity.
 */
final class RatePolicy {
    private final String name;
    private final long tokens;
    private final Duration period;
    private final long burst;
    private final BucketConfiguration configuration;
    /** The {@code RateLimit-Policy} item, e.g. {@code "acp.send";q=10;w=60}. */
    private final String headerItem;

    RatePolicy(String name, long tokens, Duration period, long burst) {
        this.name = name;
        this.tokens = tokens;
        this.period = period;
        this.burst = burst;
        this.configuration = BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(burst).refillGreedy(tokens, period))
                .build();
        this.headerItem = "\"" + name + "\";q=" + tokens + ";w=" + period.toSeconds();
    }

    String name() {
        return name;
    }

    long tokens() {
        return tokens;
    }

    Duration period() {
        return period;
    }

    long burst() {
        return burst;
    }

    BucketConfiguration configuration() {
        return configuration;
    }

    String headerItem() {
        return headerItem;
    }

    /** How long an empty bucket takes to fill up: after that long unused, a bucket is as good as a new one. */
    Duration timeToFill() {
        return Duration.ofNanos(Math.multiplyExact(period.toNanos() / tokens + 1, burst));
    }

    @Override
    public String toString() {
        return name + "=" + tokens + "/" + period.toSeconds() + "s,burst=" + burst;
    }
}
