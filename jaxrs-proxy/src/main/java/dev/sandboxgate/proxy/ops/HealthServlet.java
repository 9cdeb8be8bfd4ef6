package dev.sandboxgate.proxy.ops;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sandboxgate.filter.ConfigurationException;
import dev.sandboxgate.filter.Settings;
import dev.sandboxgate.filter.health.ReadinessCheck;
import dev.sandboxgate.filter.health.ReadinessChecks;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Liveness and readiness for load balancers and orchestrators, outside the proxied mount (map it to
 * {@code /sandbox-gate/health/*}; it needs no credential and shows none):
 * <ul>
 *   <li>{@code GET .../health/live}: 200 while the application answers at all;
 *   <li>{@code GET .../health} (or {@code .../health/ready}): 200 when every {@link ReadinessCheck} of the deployment
 *       is up, else 503, with each check's verdict: the configuration loaded, the gateway not shutting down, each
 *       sandbox answering its {@code /v1/health}, and what the stages register (audit sink, rate-limit backend).
 * </ul>
 * Checks run in parallel, each bounded by {@code health-timeout} (a check that does not answer in time is down), and
 * the verdict is cached for {@code health-cache}, so a dead sandbox neither stalls the probe nor is hammered by it.
 */
public class HealthServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final JsonFactory JSON = new JsonFactory();

    private record Verdict(boolean ready, Map<String, ReadinessCheck.Result> results, long atNanos) {
    }

    private transient ExecutorService executor;
    private transient Duration cacheFor;
    private transient Duration timeout;
    private transient volatile Verdict last;

    @Override
    public void init() throws ServletException {
        try {
            Settings settings = Settings.of(getServletConfig());
            cacheFor = settings.duration("health-cache", Duration.ofSeconds(5));
            timeout = settings.duration("health-timeout", Duration.ofSeconds(3));
        } catch (ConfigurationException e) {
            throw new ServletException(e.getMessage(), e);
        }
        AtomicInteger counter = new AtomicInteger();
        executor = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "sandbox-gate-health-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public void destroy() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getPathInfo() == null ? "/" : request.getPathInfo();
        switch (path) {
            case "/live":
                write(response, 200, "up", Map.of());
                return;
            case "/":
            case "/ready":
                Verdict verdict = verdict();
                write(response, verdict.ready() ? 200 : 503, verdict.ready() ? "ready" : "not-ready",
                        verdict.results());
                return;
            default:
                response.sendError(404);
        }
    }

    private synchronized Verdict verdict() {
        Verdict cached = last;
        if (cached != null && System.nanoTime() - cached.atNanos() < cacheFor.toNanos()) {
            return cached;
        }
        List<ReadinessCheck> checks = ReadinessChecks.of(getServletContext()).all();
        Map<String, CompletableFuture<ReadinessCheck.Result>> running = new LinkedHashMap<>();
        for (ReadinessCheck check : checks) {
            running.put(check.name(), CompletableFuture.supplyAsync(check::check, executor)
                    .completeOnTimeout(ReadinessCheck.Result.down("no answer within " + timeout), timeout.toMillis(),
                            TimeUnit.MILLISECONDS)
                    .exceptionally(e -> ReadinessCheck.Result.down("check failed")));
        }
        Map<String, ReadinessCheck.Result> results = new LinkedHashMap<>();
        running.forEach((name, result) -> results.put(name, result.join()));
        // Nothing registered means the gateway's own parts did not start here: not ready (fail closed).
        boolean ready = !results.isEmpty() && results.values().stream().allMatch(ReadinessCheck.Result::up);
        Verdict verdict = new Verdict(ready, results, System.nanoTime());
        last = verdict;
        return verdict;
    }

    private static void write(HttpServletResponse response, int status, String overall,
                              Map<String, ReadinessCheck.Result> results) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON.createGenerator(body)) {
            json.writeStartObject();
            json.writeStringField("status", overall);
            if (!results.isEmpty()) {
                json.writeObjectFieldStart("checks");
                for (Map.Entry<String, ReadinessCheck.Result> entry : results.entrySet()) {
                    json.writeObjectFieldStart(entry.getKey());
                    json.writeStringField("status", entry.getValue().up() ? "up" : "down");
                    if (entry.getValue().detail() != null) {
                        json.writeStringField("detail", entry.getValue().detail());
                    }
                    json.writeEndObject();
                }
                json.writeEndObject();
            }
            json.writeEndObject();
        }
        response.setStatus(status);
        response.setContentType("application/json");
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.size());
        response.getOutputStream().write(body.toByteArray());
    }
}
