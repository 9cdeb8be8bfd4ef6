package dev.sandboxgate.filter.ratelimit;

import dev.sandboxgate.filter.Settings;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Map;

/**
 * A cross-check of {@link RateLimitBenchmark} on a shared machine: the same decision, timed in each thread's own CPU
 * time rather than wall-clock time, so that other processes taking the cores away do not count. Not a JMH benchmark
 * (no blackhole, no forks): a sanity check of contention between threads. Run:
 * {@code java -cp benchmarks/target/benchmarks.jar dev.sandboxgate.filter.ratelimit.RateLimitCpuTime 2 own}
 * ({@code threads}, then {@code own}: a hot caller per thread, {@code shared}: one for all, {@code many}: 100,000
 * callers in turn).
 */
public final class RateLimitCpuTime {
    private static final int DECISIONS = 2_000_000;
    private static final int CALLERS = 100_000;

    private RateLimitCpuTime() {
    }

    public static void main(String[] args) throws InterruptedException {
        int threads = Integer.parseInt(args[0]);
        String mode = args[1];
        String[] callers = new String[CALLERS];
        for (int i = 0; i < CALLERS; i++) {
            callers[i] = "user-" + i;
        }
        Map<String, String> params = Map.of("rate-limits", "default=999999999/1s", "rate-limit-buckets", "300000");
        RateLimitStage stage = (RateLimitStage) RateLimiting.configure(
                Settings.of("cpu-time", params::get, n -> null, n -> null)).afterAuthorization();
        for (int round = 1; round <= 12; round++) {
            long[] cpuNanos = new long[threads];
            Thread[] workers = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                int index = t;
                workers[t] = new Thread(() -> {
                    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
                    String caller = mode.equals("shared") ? "alice" : "caller-" + index;
                    boolean many = mode.equals("many");
                    long start = mx.getCurrentThreadCpuTime();
                    for (int i = 0; i < DECISIONS; i++) {
                        stage.decide(many ? callers[(i + index * 7919) % CALLERS] : caller, "ws_1", "fs.read");
                    }
                    cpuNanos[index] = mx.getCurrentThreadCpuTime() - start;
                });
                workers[t].start();
            }
            StringBuilder line = new StringBuilder("round " + round + ":");
            for (int t = 0; t < threads; t++) {
                workers[t].join();
                line.append(String.format(" %.0f", (double) cpuNanos[t] / DECISIONS));
            }
            System.out.println(line.append(" ns of CPU per decision"));
        }
    }
}
