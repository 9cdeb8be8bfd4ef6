package dev.sandboxgate.filter.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.FilterServer;
import dev.sandboxgate.filter.auth.MutableClock;
import io.lettuce.core.RedisURI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * The shared store against a real redis-server on loopback: one limit for several gateways, and an outage that
 * costs each request at most the configured timeout, and only a few requests at all before the breaker opens.
 */
class RedisBucketsTest {
    private static final Duration TIMEOUT = Duration.ofMillis(100);
    /** Far below a connect timeout (Lettuce's default command timeout is 60 s, a TCP connect's minutes). */
    private static final long LOOSE_BOUND_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T12:00:00Z"));

    private RedisBuckets buckets(RedisServer redis, FailureMode mode) {
        return new RedisBuckets(RedisURI.create(redis.url()), TIMEOUT, mode,
                new CircuitBreaker(RateLimiting.BREAKER_THRESHOLD, Duration.ofSeconds(5).toNanos(),
                        RateLimiting.timeMeter(clock)), RateLimiting.timeMeter(clock));
    }

    private static Map<String, String> redisParams(RedisServer redis, String failure) {
        return Map.of("rate-limits", "health=5/1h", "rate-limit-backend", "redis",
                "rate-limit-redis-url", redis.url(), "rate-limit-redis-failure", failure);
    }

    /** For counting across gateways, not timing: a timeout that a cold JVM on a busy machine cannot miss. */
    private static Map<String, String> patientRedisParams(RedisServer redis) {
        Map<String, String> params = new java.util.HashMap<>(redisParams(redis, "closed"));
        params.put("rate-limit-redis-timeout", "5s");
        return params;
    }

    @Test
    void twoGatewaysSharingOneRedisEnforceOneCombinedLimit() throws Exception {
        try (RedisServer redis = RedisServer.start();
             FilterServer first = FilterServer.start(patientRedisParams(redis));
             FilterServer second = FilterServer.start(patientRedisParams(redis))) {
            int allowed = 0;
            for (int i = 0; i < 12; i++) {
                HttpResponse<String> response = (i % 2 == 0 ? first : second).getAsApp("/ws_1/v1/health");
                if (response.statusCode() == 200) {
                    allowed++;
                } else {
                    assertThat(response.statusCode()).isEqualTo(429);
                    assertThat(response.headers().firstValue("RateLimit-Policy")).hasValue("\"health\";q=5;w=3600");
                }
            }
            assertThat(allowed).isEqualTo(5);
            assertThat(first.reached() + second.reached()).isEqualTo(5);
            assertThat(first.reached()).isPositive();
            assertThat(second.reached()).isPositive();
        }
    }

    @Test
    void aStoppedRedisFailsClosedWithinTheTimeoutAndOnlyAFewRequestsTryIt() throws Exception {
        try (RedisServer redis = RedisServer.start(); RedisBuckets store = buckets(redis, FailureMode.CLOSED)) {
            BucketKey key = new BucketKey(new RatePolicy("health", 5, Duration.ofHours(1), 5), "alice", "ws_1");
            assertThat(store.consume(key).verdict()).isEqualTo(Decision.Verdict.ALLOWED);
            long attemptsBefore = store.breaker().attempts();

            redis.close();
            for (int i = 0; i < 50; i++) {
                long start = System.nanoTime();
                Decision decision = store.consume(key);
                assertThat(System.nanoTime() - start).isLessThan(LOOSE_BOUND_NANOS);
                assertThat(decision.verdict()).isEqualTo(Decision.Verdict.UNAVAILABLE);
                assertThat(decision.refusal().type().status()).isEqualTo(503);
            }
            assertThat(store.breaker().attempts() - attemptsBefore).as("requests that tried Redis")
                    .isEqualTo(RateLimiting.BREAKER_THRESHOLD);
        }
    }

    @Test
    void aHungRedisFailsOpenWithinTheTimeoutAndIsAskedAgainAfterTheRetryPeriod() throws Exception {
        try (RedisServer redis = RedisServer.start(); RedisBuckets store = buckets(redis, FailureMode.OPEN)) {
            BucketKey key = new BucketKey(new RatePolicy("health", 100, Duration.ofHours(1), 100), "bob", "ws_1");
            assertThat(store.consume(key).remaining()).isEqualTo(99);
            long attemptsBefore = store.breaker().attempts();

            redis.freeze();
            long start = System.nanoTime();
            for (int i = 0; i < 50; i++) {
                Decision decision = store.consume(key);
                assertThat(decision.verdict()).isEqualTo(Decision.Verdict.UNCHECKED);
                assertThat(decision.allowed()).isTrue();
                assertThat(decision.refusal()).isNull();
            }
            long elapsed = System.nanoTime() - start;
            assertThat(store.breaker().attempts() - attemptsBefore).isEqualTo(RateLimiting.BREAKER_THRESHOLD);
            assertThat(elapsed).as("three timeouts, not fifty").isLessThan(LOOSE_BOUND_NANOS);

            redis.thaw();
            clock.advance(Duration.ofSeconds(4));
            assertThat(store.consume(key).verdict()).as("breaker still open").isEqualTo(Decision.Verdict.UNCHECKED);
            clock.advance(Duration.ofSeconds(1));
            Decision probe = store.consume(key);
            assertThat(probe.verdict()).as("asked again").isEqualTo(Decision.Verdict.ALLOWED);
            // The bucket remembers; the commands that timed out may still have taken their token once Redis woke.
            assertThat(probe.remaining()).isBetween(95L, 98L);
        }
    }

    @Test
    void aGatewayWhoseRedisIsGoneAnswers503WithRetryAfterWhenClosed() throws Exception {
        RedisServer redis = RedisServer.start();
        try (FilterServer gate = FilterServer.start(redisParams(redis, "closed"))) {
            assertThat(gate.getAsApp("/ws_1/v1/health").statusCode()).isEqualTo(200);
            redis.close();

            HttpResponse<String> refused = gate.getAsApp("/ws_1/v1/health");
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.body()).contains("urn:sandbox-gate:problem:rate-limit-unavailable");
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            assertThat(gate.reached()).isEqualTo(1);
        } finally {
            redis.close();
        }
    }

    @Test
    void theRedisPasswordNeverAppearsInLogsOrAnswers() throws Exception {
        String password = "redis-pw-" + Long.toHexString(System.nanoTime());
        List<String> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(String.valueOf(record.getMessage()) + " " + java.util.Arrays.toString(record.getParameters())
                        + " " + (record.getThrown() == null ? "" : String.valueOf(record.getThrown())));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        // What a deployment logs (INFO and up). Lettuce's DEBUG/TRACE protocol log writes every command sent,
        // AUTH included: the README warns about turning it on.
        Logger root = Logger.getLogger("");
        Level level = root.getLevel();
        root.addHandler(capture);
        root.setLevel(Level.INFO);
        RedisServer redis = RedisServer.start("--requirepass", password);
        try {
            Map<String, String> params = new java.util.HashMap<>(patientRedisParams(redis));
            params.put("rate-limit-redis-url", "redis://:" + password + "@127.0.0.1:" + redis.port());
            Map<String, String> wrong = new java.util.HashMap<>(params);
            wrong.put("rate-limit-redis-url", "redis://:" + password + "-wrong@127.0.0.1:" + redis.port());
            try (FilterServer gate = FilterServer.start(params); FilterServer refused = FilterServer.start(wrong)) {
                assertThat(gate.getAsApp("/ws_1/v1/health").statusCode()).isEqualTo(200);
                HttpResponse<String> wrongPassword = refused.getAsApp("/ws_1/v1/health");
                assertThat(wrongPassword.statusCode()).isEqualTo(503);
                assertThat(wrongPassword.body()).doesNotContain(password);
                redis.close();
                HttpResponse<String> down = gate.getAsApp("/ws_1/v1/health");
                assertThat(down.statusCode()).isEqualTo(503);
                assertThat(down.body() + down.headers().map()).doesNotContain(password);
            }
        } finally {
            redis.close();
            root.removeHandler(capture);
            root.setLevel(level);
        }
        assertThat(logged).isNotEmpty().noneMatch(line -> line.contains(password));
    }
}
