package dev.sandboxgate.filter.ratelimit;

import dev.sandboxgate.filter.Settings;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one rate-limit decision costs in the local store: the stage's own decision (policy for the operation, the
 * bucket's key, a Caffeine lookup, a lock-free Bucket4j take), as {@code RateLimitStage.apply} makes it after
 * authorization. The stage is built from init-params by {@code RateLimiting.configure}; the class sits in the
 * package of the stage to call its decision without building a servlet request.
 * <ul>
 *   <li>{@code hotKey}: one caller, one workspace, one operation, over and over; with 1 and with 2 threads on the
 *       same bucket (contention on that bucket's compare-and-swap);
 *   <li>{@code hotKeyPerThread}: 2 threads, each its own hot caller: what shares nothing costs nothing extra, as
 *       there is no global lock;
 *   <li>{@code manyKeys}: 100,000 callers in turn (each thread its own), every bucket in the cache.
 * </ul>
 * The rate is set so high that every request is allowed: the refusal path costs the same plus the refusal.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class RateLimitBenchmark {
    private static final int CALLERS = 100_000;

    private RateLimitStage stage;
    private String[] subjects;

    /** Each thread's position in the callers of {@code manyKeys}, and its own hot caller. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
        String own;

        @Setup
        public void start() {
            next = (int) (Thread.currentThread().getId() * 7919 % CALLERS);
            own = "thread-" + Thread.currentThread().getId();
        }
    }

    @Setup
    public void setUp() {
        Map<String, String> params = Map.of("rate-limits", "default=999999999/1s", "rate-limit-buckets", "300000");
        stage = (RateLimitStage) RateLimiting.configure(Settings.of("benchmark", params::get, n -> null, n -> null))
                .afterAuthorization();
        subjects = new String[CALLERS];
        for (int i = 0; i < CALLERS; i++) {
            subjects[i] = "user-" + i;
        }
    }

    @Benchmark
    public Object hotKey() {
        return stage.decide("alice", "ws_1", "fs.read");
    }

    @Benchmark
    @Threads(2)
    public Object hotKeyTwoThreads() {
        return stage.decide("alice", "ws_1", "fs.read");
    }

    @Benchmark
    @Threads(2)
    public Object hotKeyPerThread(Cursor cursor) {
        return stage.decide(cursor.own, "ws_1", "fs.read");
    }

    @Benchmark
    public Object manyKeys(Cursor cursor) {
        int i = cursor.next;
        cursor.next = i + 1 == CALLERS ? 0 : i + 1;
        return stage.decide(subjects[i], "ws_1", "fs.read");
    }

    @Benchmark
    @Threads(2)
    public Object manyKeysTwoThreads(Cursor cursor) {
        return manyKeys(cursor);
    }
}
