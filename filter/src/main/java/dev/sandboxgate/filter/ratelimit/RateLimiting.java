package dev.sandboxgate.filter.ratelimit;

import dev.sandboxgate.filter.GateListener;
import dev.sandboxgate.filter.Settings;
import dev.sandboxgate.filter.Stage;
import io.github.bucket4j.TimeMeter;
import io.lettuce.core.RedisURI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The rate-limiting part of {@code SandboxAuthFilter}, configured from the filter's init-params (all listed in the
 * README):
 * <ul>
 *   <li>{@code rate-limits}: token buckets per operation, see {@link RatePolicies} (built-in
 *       {@value RatePolicies#BUILT_IN}; {@code off} turns them off);
 *   <li>{@code rate-limit-headers}: {@code refused} (default: {@code RateLimit} headers on 429s only) or
 *       {@code all} (also on allowed responses);
 *   <li>{@code rate-limit-buckets}: how many buckets the local store holds at most (100000);
 *   <li>{@code max-streams-per-subject} (20), {@code max-streams-per-workspace} (100),
 *       {@code max-acp-posts-per-subject} (10), {@code max-acp-posts-per-workspace} (50): see {@link StreamCaps};
 *   <li>{@code rate-limit-backend}: {@code local} (default) or {@code redis}, with {@code rate-limit-redis-url},
 *       {@code rate-limit-redis-failure} ({@code open} or {@code closed}, required), {@code rate-limit-redis-timeout}
 *       (100ms) and {@code rate-limit-redis-retry} (5s, how long the circuit breaker stays open).
 * </ul>
 * Time is the injected {@link Clock}, so tests move it instead of sleeping.
 */
public final class RateLimiting implements AutoCloseable {
    static final String HEADERS_PARAM = "rate-limit-headers";
    static final String BUCKETS_PARAM = "rate-limit-buckets";
    static final String BACKEND_PARAM = "rate-limit-backend";
    static final String REDIS_URL_PARAM = "rate-limit-redis-url";
    static final String REDIS_FAILURE_PARAM = "rate-limit-redis-failure";
    static final String REDIS_TIMEOUT_PARAM = "rate-limit-redis-timeout";
    static final String REDIS_RETRY_PARAM = "rate-limit-redis-retry";
    /** Failures in a row after which the circuit breaker opens. */
    static final int BREAKER_THRESHOLD = 3;

    private final BucketStore store;
    private final UnauthenticatedLimit unauthenticated;
    private final RateLimitStage stage;

    private RateLimiting(BucketStore store, UnauthenticatedLimit unauthenticated, RateLimitStage stage) {
        this.store = store;
        this.unauthenticated = unauthenticated;
        this.stage = stage;
    }

    public static RateLimiting configure(Settings settings) {
        return configure(settings, Clock.systemUTC());
    }

    public static RateLimiting configure(Settings settings, Clock clock) {
        RatePolicies policies = RatePolicies.from(settings);
        StreamCaps caps = StreamCaps.from(settings);
        boolean headersOnAllowed = headersOnAllowed(settings);
        BucketStore store = policies == null ? null : store(settings, policies, timeMeter(clock));
        UnauthenticatedLimit unauthenticated = store == null || policies.unauthenticated() == null ? null
                : new UnauthenticatedLimit(policies.unauthenticated(), store);
        return new RateLimiting(store, unauthenticated,
                new RateLimitStage(policies, store, caps, headersOnAllowed));
    }

    /** The check before authentication (an address whose failures used up its bucket), or null. */
    public Stage beforeAuthentication() {
        return unauthenticated;
    }

    /** The listener that charges failed authentications to the caller's address, or null. */
    public GateListener failedAuthentications() {
        return unauthenticated;
    }

    /** The stage after authorization: the caller's buckets and the stream caps. */
    public Stage afterAuthorization() {
        return stage;
    }

    /** Closes the connection to a shared store. */
    @Override
    public void close() {
        if (store != null) {
            store.close();
        }
    }

    private static boolean headersOnAllowed(Settings settings) {
        String value = settings.optional(HEADERS_PARAM).orElse("refused");
        return switch (value) {
            case "refused" -> false;
            case "all" -> true;
            default -> throw settings.invalid(HEADERS_PARAM, value, "'refused' or 'all'");
        };
    }

    private static BucketStore store(Settings settings, RatePolicies policies, TimeMeter time) {
        String backend = settings.optional(BACKEND_PARAM).orElse("local");
        switch (backend) {
            case "local":
                return new LocalBuckets(settings.positiveInt(BUCKETS_PARAM, 100_000), policies.longestFill(), time);
            case "redis":
                Duration timeout = settings.duration(REDIS_TIMEOUT_PARAM, Duration.ofMillis(100));
                Duration retry = settings.duration(REDIS_RETRY_PARAM, Duration.ofSeconds(5));
                if (timeout.isZero() || retry.isZero()) {
                    throw settings.problem("init-params '" + REDIS_TIMEOUT_PARAM + "' and '" + REDIS_RETRY_PARAM
                            + "' must be above zero");
                }
                return new RedisBuckets(redisUri(settings), timeout, failureMode(settings),
                        new CircuitBreaker(BREAKER_THRESHOLD, retry.toNanos(), time), time);
            default:
                throw settings.invalid(BACKEND_PARAM, backend, "'local' or 'redis'");
        }
    }

    private static RedisURI redisUri(Settings settings) {
        String url = settings.required(REDIS_URL_PARAM);
        try {
            return RedisURI.create(url);
        } catch (RuntimeException e) {
            // The value is not shown: it may hold the password.
            throw settings.invalid(REDIS_URL_PARAM, null, "a Redis URL such as redis://:password@host:6379/0 or "
                    + "rediss://host:6380 (" + e.getClass().getSimpleName() + "; the value is not shown)");
        }
    }

    private static FailureMode failureMode(Settings settings) {
        String value = settings.optional(REDIS_FAILURE_PARAM).orElseThrow(() -> settings.problem("init-param '"
                + REDIS_FAILURE_PARAM + "' is required with rate-limit-backend=redis: 'open' (let requests through "
                + "unlimited while Redis is unreachable) or 'closed' (refuse them with 503)"));
        return switch (value) {
            case "open" -> FailureMode.OPEN;
            case "closed" -> FailureMode.CLOSED;
            default -> throw settings.invalid(REDIS_FAILURE_PARAM, value, "'open' or 'closed'");
        };
    }

    /** Bucket4j's time from a {@link Clock}, in nanoseconds since the epoch (shared by a cluster's nodes). */
    static TimeMeter timeMeter(Clock clock) {
        return new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                Instant now = clock.instant();
                return now.getEpochSecond() * 1_000_000_000L + now.getNano();
            }

            @Override
            public boolean isWallClockBased() {
                return true;
            }
        };
    }
}
