package dev.sandboxgate.benchmarks;

/**
 * A companion to {@link GateChainBenchmark} for a shared machine: the same requests through the whole gate, timed in
 * the thread's CPU time ({@link CpuTimeRounds}), 7 rounds of 200,000 after a warm-up of 3 rounds, without the audit
 * (whose writer would make the producer wait: see {@code GateChainBenchmark}).
 * Run: {@code java -cp benchmarks/target/benchmarks.jar dev.sandboxgate.benchmarks.GateChainCpuTime}.
 */
public final class GateChainCpuTime {
    private static final int ROUND = 200_000;

    private GateChainCpuTime() {
    }

    public static void main(String[] args) throws Exception {
        for (String credential : new String[] {"jwt", "app-token"}) {
            for (String request : new String[] {"health", "fs-read", "acp-prompt"}) {
                GateChainBenchmark benchmark = new GateChainBenchmark();
                benchmark.audit = "none"; // the audit's request-path cost is AuditEnqueueCpuCost's
                benchmark.credential = credential;
                benchmark.request = request;
                benchmark.setUp();
                long[] forwarded = {benchmark.gate()};
                CpuTimeRounds.print(credential + " " + request, "request", ROUND, () -> {
                    try {
                        long now = benchmark.gate();
                        return now == ++forwarded[0]; // forwarded, not refused
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                benchmark.tearDown();
            }
        }
    }
}
