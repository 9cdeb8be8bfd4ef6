package dev.sandboxgate.benchmarks;

import dev.sandboxgate.filter.SandboxAuthFilter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The same measurement as {@link AuditEnqueueBenchmark}, in CPU time of the request thread instead of wall-clock
 * time: on a machine shared with other work, a thread that waits for a core is charged nothing here, so the number
 * says what the request path costs, not how busy the machine was. Alternates rounds of {@code audit=none} and
 * {@code audit=on} (fresh filter each round, writer held as in the JMH benchmark) and prints the median per mode.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.sandboxgate.benchmarks.AuditEnqueueCpuCost [rounds] [requests]</pre>
 */
public final class AuditEnqueueCpuCost {
    private static final String TOKEN = "benchmark-app-token-5c1f0b";

    private AuditEnqueueCpuCost() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int requests = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        double[] none = new double[rounds];
        double[] on = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            none[round] = cpuNanosPerRequest(false, requests);
            on[round] = cpuNanosPerRequest(true, requests);
            System.out.printf("round %d: none %.0f ns, on %.0f ns (CPU per request)%n", round, none[round], on[round]);
        }
        java.util.Arrays.sort(none);
        java.util.Arrays.sort(on);
        System.out.printf("median over %d rounds of %d requests: none %.0f ns, on %.0f ns, audit adds %.0f ns%n",
                rounds, requests, none[rounds / 2], on[rounds / 2], on[rounds / 2] - none[rounds / 2]);
    }

    private static double cpuNanosPerRequest(boolean audit, int requests) throws Exception {
        HeldSink.held = new CountDownLatch(1);
        Map<String, String> params = new HashMap<>(Map.of("app-api-token", TOKEN, "audit-node", "cpu",
                "audit-queue-size", "" + (requests + 10)));
        // One caller sends every request: the rate limits (on by default) would refuse most of them.
        params.put("rate-limits", "off");
        params.put("audit-sinks", audit ? HeldSink.class.getName() : "none");
        SandboxAuthFilter filter = new SandboxAuthFilter();
        filter.init(FakeExchange.config(params));
        HttpServletRequest request = FakeExchange.get("/ws_1/v1/health", TOKEN);
        HttpServletResponse response = FakeExchange.response();
        FilterChain answered = (req, resp) -> ((HttpServletResponse) resp).setStatus(200);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < requests; i++) {
            FakeExchange.reset(request);
            filter.doFilter(request, response, answered);
        }
        long used = threads.getCurrentThreadCpuTime() - before;
        HeldSink.held.countDown();
        filter.destroy();
        return (double) used / requests;
    }
}
