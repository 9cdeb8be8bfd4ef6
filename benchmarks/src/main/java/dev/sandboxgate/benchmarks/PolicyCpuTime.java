package dev.sandboxgate.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * A companion to {@link AuthorizationBenchmark} for a shared machine: the same decisions, timed in the thread's CPU
 * time rather than wall-clock time, so that the time the thread waits for a core while other processes run is not
 * counted (cache and frequency effects of the neighbours still are). Prints, per request, the CPU nanoseconds per
 * decision of each of 7 rounds of 2,000,000 after a warm-up of 3 rounds.
 * Run: {@code java -cp benchmarks/target/benchmarks.jar dev.sandboxgate.benchmarks.PolicyCpuTime}.
 */
public final class PolicyCpuTime {
    private static final int ROUND = 2_000_000;

    private PolicyCpuTime() {
    }

    public static void main(String[] args) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (String request : new String[] {"health", "fs-read", "acp-stream"}) {
            AuthorizationBenchmark benchmark = new AuthorizationBenchmark();
            benchmark.request = request;
            benchmark.setUp();
            long refused = 0;
            double[] rounds = new double[7];
            for (int round = -3; round < rounds.length; round++) {
                long start = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < ROUND; i++) {
                    if (benchmark.decide() != null) {
                        refused++;
                    }
                }
                if (round >= 0) {
                    rounds[round] = (threads.getCurrentThreadCpuTime() - start) / (double) ROUND;
                }
            }
            if (refused != 0) {
                throw new IllegalStateException(request + " was refused " + refused + " times");
            }
            double[] sorted = rounds.clone();
            Arrays.sort(sorted);
            System.out.printf("%-10s CPU ns/decision: median %.0f, min %.0f, max %.0f, rounds %s%n", request,
                    sorted[sorted.length / 2], sorted[0], sorted[sorted.length - 1], Arrays.toString(
                            Arrays.stream(rounds).mapToLong(Math::round).toArray()));
        }
    }
}
