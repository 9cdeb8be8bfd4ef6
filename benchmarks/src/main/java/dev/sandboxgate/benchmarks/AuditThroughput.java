package dev.sandboxgate.benchmarks;

import dev.sandboxgate.filter.SandboxAuthFilter;
import dev.sandboxgate.filter.audit.AuditVerifier;
import jakarta.servlet.FilterChain;
import jakarta.servlet.http.HttpServletResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Sustained audit throughput into a JDBC store, end to end: {@code threads} threads push {@code requests} allowed
 * requests through {@code SandboxAuthFilter.doFilter} (two records each: decision and completed) with
 * {@code audit-sinks=jdbc}; the clock stops when the filter's {@code destroy()} returns, i.e. when every record is
 * committed. Then it counts the rows and verifies the chain.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.sandboxgate.benchmarks.AuditThroughput JDBC-URL [USER] [requests] [threads]
 * </pre>
 * The password, if any, comes from {@code AUDIT_JDBC_PASSWORD}.
 */
public final class AuditThroughput {
    private static final String TOKEN = "benchmark-app-token-5c1f0b";

    private AuditThroughput() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String user = args.length > 1 ? args[1] : null;
        int requests = args.length > 2 ? Integer.parseInt(args[2]) : 100_000;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        String node = "throughput-" + System.currentTimeMillis();
        Map<String, String> params = new HashMap<>(Map.of("app-api-token", TOKEN, "audit-sinks", "jdbc",
                "audit-jdbc-url", url, "audit-node", node, "audit-queue-size", "" + (2 * requests + 10),
                "audit-drain-timeout", "10m"));
        // One caller sends every request: the rate limits (on by default) would refuse most of them.
        params.put("rate-limits", "off");
        if (user != null) {
            params.put("audit-jdbc-user", user);
        }
        if (System.getenv("AUDIT_JDBC_PASSWORD") != null) {
            params.put("audit-jdbc-password", System.getenv("AUDIT_JDBC_PASSWORD"));
        }
        FilterChain answered = (request, response) -> ((HttpServletResponse) response).setStatus(200);
        run(params, node + "-warmup", 20_000, threads, answered);

        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long cpuBefore = os.getProcessCpuTime();
        long start = System.nanoTime();
        double produced = run(params, node, requests, threads, answered) - start;
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuSeconds = (os.getProcessCpuTime() - cpuBefore) / 1e9;

        Properties login = new Properties();
        if (user != null) {
            login.setProperty("user", user);
        }
        if (System.getenv("AUDIT_JDBC_PASSWORD") != null) {
            login.setProperty("password", System.getenv("AUDIT_JDBC_PASSWORD"));
        }
        long rows;
        try (Connection connection = DriverManager.getConnection(url, login);
             Statement sql = connection.createStatement();
             ResultSet count = sql.executeQuery("SELECT COUNT(*) FROM sandbox_audit WHERE node = '" + node + "'")) {
            count.next();
            rows = count.getLong(1);
            System.out.printf("%d requests, %d rows (chain-start included) in %.2f s (requests sent after %.2f s): "
                    + "%.0f records/s; this process used %.2f CPU-seconds (%.0f records per CPU-second, requests "
                    + "included); chains %s%n", requests, rows, seconds, produced / 1e9, rows / seconds, cpuSeconds,
                    rows / cpuSeconds,
                    AuditVerifier.verifyTable(connection, "sandbox_audit").intact() ? "intact" : "BROKEN");
        }
    }

    /** Returns {@link System#nanoTime()} when the last request was through, before the drain. */
    private static long run(Map<String, String> params, String node, int requests, int threads,
                            FilterChain chain) throws Exception {
        Map<String, String> these = new HashMap<>(params);
        these.put("audit-node", node);
        SandboxAuthFilter filter = new SandboxAuthFilter();
        filter.init(FakeExchange.config(these));
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int share = requests / threads + (t < requests % threads ? 1 : 0);
            Thread worker = new Thread(() -> {
                try {
                    jakarta.servlet.http.HttpServletRequest request = FakeExchange.get("/ws_1/v1/health", TOKEN);
                    HttpServletResponse response = FakeExchange.response();
                    for (int i = 0; i < share; i++) {
                        FakeExchange.reset(request);
                        filter.doFilter(request, response, chain);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join();
        }
        long sent = System.nanoTime();
        filter.destroy(); // returns once every queued record is committed
        return sent;
    }
}
