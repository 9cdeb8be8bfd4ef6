package dev.sandboxgate.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.function.BooleanSupplier;

/**
 * For a shared machine: an operation timed in the thread's CPU time rather than wall-clock time, so that the time the
 * thread waits for a core while other processes run is not counted (cache and frequency effects of the neighbours
 * still are). 3 warm-up rounds, then 7 measured rounds; prints the CPU nanoseconds per operation of each.
 */
final class CpuTimeRounds {
    private static final int WARM_UP = 3;
    private static final int MEASURED = 7;

    private CpuTimeRounds() {
    }

    /** Runs {@code operation} (which answers whether it did what it should) {@code perRound} times a round. */
    static void print(String label, String unit, int perRound, BooleanSupplier operation) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double[] rounds = new double[MEASURED];
        for (int round = -WARM_UP; round < MEASURED; round++) {
            long start = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < perRound; i++) {
                if (!operation.getAsBoolean()) {
                    throw new IllegalStateException(label + ": the operation did not do what it should");
                }
            }
            if (round >= 0) {
                rounds[round] = (threads.getCurrentThreadCpuTime() - start) / (double) perRound;
            }
        }
        double[] sorted = rounds.clone();
        Arrays.sort(sorted);
        System.out.printf("%-22s CPU ns/%s: median %.0f, min %.0f, max %.0f, rounds %s%n", label, unit,
                sorted[sorted.length / 2], sorted[0], sorted[sorted.length - 1],
                Arrays.toString(Arrays.stream(rounds).mapToLong(Math::round).toArray()));
    }
}
