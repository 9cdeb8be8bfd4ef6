package dev.sandboxgate.filter.ratelimit;

import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Buckets in Redis, shared by every node of a cluster: Bucket4j's Lettuce proxy manager keeps each bucket's state
 * under one key and updates it with an atomic compare-and-swap script, so concurrent nodes never both spend the last
 * token. Time comes from the nodes' clocks (keep them in NTP sync); keys expire once their bucket would be full.
 *
 * <p>No request waits longer than {@code timeout} for Redis, connecting included: commands fail at once while the
 * connection is down (Lettuce's {@code REJECT_COMMANDS}), each wait is bounded, and after a few failures in a row the
 * {@link CircuitBreaker} stops asking until its open period has passed. Then {@link FailureMode} decides.
 */
final class RedisBuckets implements BucketStore {
    private static final System.Logger LOG = System.getLogger(RedisBuckets.class.getName());
    private static final String KEY_PREFIX = "sandbox-gate:rl:";
    /** The longest a deployment waits for Redis, and a connection attempt's limit (in the background). */
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(2);

    private final RedisClient client;
    private final RedisURI uri;
    private final long timeoutNanos;
    private final FailureMode failureMode;
    private final CircuitBreaker breaker;
    private final TimeMeter time;
    private final AtomicReference<CompletableFuture<Link>> link = new AtomicReference<>();

    /** A connection and the proxy manager bound to it. */
    private record Link(StatefulRedisConnection<String, byte[]> connection, AsyncProxyManager<String> buckets) {
    }

    RedisBuckets(RedisURI uri, Duration timeout, FailureMode failureMode, CircuitBreaker breaker, TimeMeter time) {
        this.uri = uri;
        this.timeoutNanos = timeout.toNanos();
        this.failureMode = failureMode;
        this.breaker = breaker;
        this.time = time;
        this.client = RedisClient.create();
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                // Connecting happens in the background: a request waits for it no longer than for a command.
                .socketOptions(SocketOptions.builder().connectTimeout(STARTUP_WAIT).build())
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .build());
        warmUp();
    }

    /**
     * Connects and runs one command before the first request, so that it does not pay for connecting and for
     * loading the client's classes. Waits {@link #STARTUP_WAIT} at most: a Redis that is down at deployment does not
     * stop it (the failure mode applies until Redis answers).
     */
    private void warmUp() {
        try {
            Link live = connect().get(STARTUP_WAIT.toNanos(), TimeUnit.NANOSECONDS);
            RatePolicy probe = new RatePolicy("warm-up", 1, Duration.ofSeconds(1), 1);
            live.buckets().builder().build(KEY_PREFIX + "warm-up", probe.configuration())
                    .estimateAbilityToConsume(1).get(STARTUP_WAIT.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.log(Level.WARNING, "rate limiting: Redis is not reachable at start-up ({0}); {1} until it is",
                    e.getClass().getSimpleName(), failureMode == FailureMode.OPEN
                            ? "letting requests through unlimited" : "refusing requests with 503");
        }
    }

    @Override
    public Decision consume(BucketKey key) {
        return ask(key, true);
    }

    @Override
    public Decision peek(BucketKey key) {
        return ask(key, false);
    }

    private Decision ask(BucketKey key, boolean take) {
        if (!breaker.allowsAttempt()) {
            return failed(key.policy());
        }
        long deadline = System.nanoTime() + timeoutNanos;
        try {
            AsyncProxyManager<String> buckets = within(deadline, currentLink()).buckets();
            var bucket = buckets.builder().build(key.render(KEY_PREFIX), key.policy().configuration());
            Decision decision = take
                    ? Decision.of(key.policy(), within(deadline, bucket.tryConsumeAndReturnRemaining(1)))
                    : Decision.of(key.policy(), within(deadline, bucket.estimateAbilityToConsume(1)));
            breaker.succeeded();
            return decision;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            breaker.failed();
            return failed(key.policy());
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            if (breaker.failed()) {
                // The class only: Lettuce's messages can carry the URL, and with it the password.
                LOG.log(Level.WARNING, "rate limiting: Redis failed {0} times in a row (last: {1}); not asking it "
                        + "for {2} ms, {3} meanwhile", RateLimiting.BREAKER_THRESHOLD, e.getClass().getSimpleName(),
                        breaker.retryNanos() / 1_000_000, failureMode == FailureMode.OPEN
                                ? "letting requests through unlimited" : "refusing requests with 503");
            }
            return failed(key.policy());
        }
    }

    private Decision failed(RatePolicy policy) {
        return failureMode == FailureMode.OPEN ? Decision.unchecked(policy)
                : Decision.unavailable(policy, breaker.retryNanos());
    }

    private static <T> T within(long deadline, Future<T> future)
            throws InterruptedException, ExecutionException, TimeoutException {
        long left = deadline - System.nanoTime();
        if (!future.isDone() && left <= 0) {
            throw new TimeoutException();
        }
        return future.get(Math.max(left, 0), TimeUnit.NANOSECONDS);
    }

    /** The live link, or the attempt under way; a failed attempt is replaced by a new one. */
    private CompletableFuture<Link> currentLink() {
        CompletableFuture<Link> current = link.get();
        if (current != null && !current.isCompletedExceptionally()) {
            return current;
        }
        return connect();
    }

    private CompletableFuture<Link> connect() {
        CompletableFuture<Link> attempt = new CompletableFuture<>();
        CompletableFuture<Link> previous = link.get();
        if (previous != null && !previous.isCompletedExceptionally()) {
            return previous;
        }
        if (!link.compareAndSet(previous, attempt)) {
            return link.get();
        }
        client.connectAsync(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE), uri)
                .whenComplete((connection, failure) -> {
                    if (failure != null) {
                        attempt.completeExceptionally(failure);
                        return;
                    }
                    AsyncProxyManager<String> buckets = Bucket4jLettuce.casBasedBuilder(connection)
                            .clientClock(time)
                            .expirationAfterWrite(ExpirationAfterWriteStrategy
                                    .basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                            .build()
                            .asAsync();
                    attempt.complete(new Link(connection, buckets));
                });
        return attempt;
    }

    CircuitBreaker breaker() {
        return breaker;
    }

    @Override
    public void close() {
        CompletableFuture<Link> current = link.getAndSet(null);
        if (current != null) {
            current.thenAccept(live -> live.connection().closeAsync());
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
