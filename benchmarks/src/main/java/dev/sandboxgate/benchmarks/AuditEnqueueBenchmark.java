package dev.sandboxgate.benchmarks;

import dev.sandboxgate.filter.SandboxAuthFilter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the audit stage adds to a request's path: {@code SandboxAuthFilter.doFilter} of an allowed
 * {@code GET /ws_1/v1/health} with the app token (authentication, authorization, and a chain that answers at once),
 * with {@code audit=none} ({@code audit-sinks=none}) and {@code audit=on} (the decision record built and queued, the
 * completed record queued when the chain returns). The difference is the audit's cost on the request thread. The
 * sink ({@link HeldSink}) holds the writer for the iteration, so every enqueue finds room, as it does while the
 * writer keeps up; each iteration starts with a fresh, empty trail (queue of 4,000,000).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgs = {"-Xmx4g"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class AuditEnqueueBenchmark {
    private static final String TOKEN = "benchmark-app-token-5c1f0b";
    private static final FilterChain ANSWERED = (request, response) -> ((HttpServletResponse) response)
            .setStatus(200);

    @Param({"none", "on"})
    public String audit;

    private SandboxAuthFilter filter;
    private jakarta.servlet.http.HttpServletRequest request;
    private HttpServletResponse response;

    @Setup(Level.Iteration)
    public void start() throws ServletException {
        HeldSink.held = new CountDownLatch(1);
        Map<String, String> params = new HashMap<>(Map.of("app-api-token", TOKEN, "audit-node", "bench",
                "audit-queue-size", "4000000"));
        // One caller sends every request: the rate limits (on by default) would refuse most of them.
        params.put("rate-limits", "off");
        params.put("audit-sinks", audit.equals("on") ? HeldSink.class.getName() : "none");
        filter = new SandboxAuthFilter();
        filter.init(FakeExchange.config(params));
        request = FakeExchange.get("/ws_1/v1/health", TOKEN);
        response = FakeExchange.response();
    }

    @TearDown(Level.Iteration)
    public void stop() {
        HeldSink.held.countDown();
        filter.destroy();
    }

    @Benchmark
    public Object request() throws IOException, ServletException {
        FakeExchange.reset(request);
        filter.doFilter(request, response, ANSWERED);
        return response;
    }
}
