package dev.sandboxgate.benchmarks;

/**
 * A companion to {@link AuthorizationBenchmark} for a shared machine: the same decisions, timed in the thread's CPU
 * time ({@link CpuTimeRounds}), 7 rounds of 2,000,000 after a warm-up of 3 rounds.
 * Run: {@code java -cp benchmarks/target/benchmarks.jar dev.sandboxgate.benchmarks.PolicyCpuTime}.
 */
public final class PolicyCpuTime {
    private static final int ROUND = 2_000_000;

    private PolicyCpuTime() {
    }

    public static void main(String[] args) {
        for (String request : new String[] {"health", "fs-read", "acp-stream"}) {
            AuthorizationBenchmark benchmark = new AuthorizationBenchmark();
            benchmark.request = request;
            benchmark.setUp();
            CpuTimeRounds.print(request, "decision", ROUND, () -> benchmark.decide() == null);
        }
    }
}
