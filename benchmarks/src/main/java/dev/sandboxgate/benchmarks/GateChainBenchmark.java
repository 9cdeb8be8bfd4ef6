package dev.sandboxgate.benchmarks;

import dev.sandboxgate.filter.ExchangeOutcome;
import dev.sandboxgate.filter.GateAttributes;
import dev.sandboxgate.filter.GateExchange;
import dev.sandboxgate.filter.SandboxAuthFilter;
import io.jsonwebtoken.Jwts;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.crypto.spec.SecretKeySpec;
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
 * The whole gate on one request: {@link SandboxAuthFilter#doFilter} configured from init-params as a deployment
 * configures it, on an in-memory request and response, up to the point where the proxy would take over, and the
 * exchange's end as the proxy reports it (so what stages and listeners do at the end is measured too).
 * No network and no container: this is the gateway's own cost per request, the part of the load benchmark's added
 * latency that is ours.
 *
 * <ul>
 *   <li>{@code credential}: {@code jwt} (HS256, a token already in the verified-token cache, the steady state of an
 *       SDK); {@code -p credential=app-token} for the static application token;
 *   <li>{@code audit}: {@code none}, or {@code log} (the default sink: a decision and a completed record per request,
 *       hash-chained and written by the audit's own thread; the JDK logger's lines are dropped here, not printed).
 *       With one benchmark thread producing faster than the writer writes, the queue fills and the request waits for
 *       room ({@code audit-overflow=block}): the score is then the writer's sustained rate, not the request path's
 *       cost (that is {@code AuditEnqueueCpuCost});
 *   <li>{@code request}: {@code health} ({@code GET /v1/health}: authentication, route policy), {@code fs-read}
 *       ({@code GET /v1/fs/file?path=...}: plus query parsing and fs-root confinement), {@code acp-prompt}
 *       ({@code POST /v1/acp/{id}} with a {@code session/prompt} body: plus reading and checking the JSON-RPC body
 *       and the session binding, which is on the path of every prompt's first streamed chunk).
 * </ul>
 * Set-up fails unless every request reaches the end of the chain: a refusal would pass for a fast gate.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 1)
public class GateChainBenchmark {
    private static final String SECRET = "benchmark-hmac-secret-of-32-bytes!";
    private static final String APP_TOKEN = "0123456789abcdef0123456789abcdef";
    private static final String SERVER_ID = "bench-server-1";

    @Param({"jwt"})
    public String credential;

    @Param({"none", "log"})
    public String audit;

    @Param({"health", "fs-read", "acp-prompt"})
    public String request;

    /** The audit log sink's logger; held strongly, java.util.logging keeps loggers only weakly. */
    private static final Logger AUDIT_LOG = Logger.getLogger("dev.sandboxgate.audit");

    private SandboxAuthFilter filter;
    private InMemoryRequest template;
    private final ForwardingChain chain = new ForwardingChain();

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        AUDIT_LOG.setUseParentHandlers(false); // the records are written, then dropped: no console in the measurement
        filter = new SandboxAuthFilter();
        filter.init(new InMemoryFilterConfig(initParams(), Unsupported.contextWithAttributes()));
        String bearer = credential.equals("jwt") ? jwt() : APP_TOKEN;
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Bearer " + bearer);
        headers.put("Accept", "application/json");
        headers.put("User-Agent", "sandbox-agent-sdk/0.4.2");
        switch (request) {
            case "health" -> template = InMemoryRequest.of("GET", "/ws_1/v1/health", headers, null);
            case "fs-read" -> template = InMemoryRequest.of("GET", "/ws_1/v1/fs/file?path=/workspace/src/main.ts",
                    headers, null);
            case "acp-prompt" -> {
                headers.put("Content-Type", "application/json");
                // The first message to a server id binds it to the workspace and the caller, as an SDK's would.
                forwardOnce(InMemoryRequest.of("POST", "/ws_1/v1/acp/" + SERVER_ID + "?agent=mock", headers,
                        json("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
                                + "{\"protocolVersion\":1,\"clientCapabilities\":{}}}")));
                template = InMemoryRequest.of("POST", "/ws_1/v1/acp/" + SERVER_ID, headers,
                        json("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"session/prompt\",\"params\":"
                                + "{\"sessionId\":\"sess-1\",\"prompt\":[{\"type\":\"text\",\"text\":"
                                + "\"Refactor the parser in src/main.ts and run the tests\"}]}}"));
            }
            default -> throw new IllegalArgumentException("unknown request " + request);
        }
        forwardOnce(template.copy());
    }

    private Map<String, String> initParams() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("jwt-hmac-secret", SECRET);
        params.put("app-api-token", APP_TOKEN);
        params.put("fs-root", "/workspace");
        params.put("audit-sinks", audit);
        return params;
    }

    private void forwardOnce(InMemoryRequest one) throws IOException, ServletException {
        InMemoryResponse response = new InMemoryResponse();
        long before = chain.forwarded;
        filter.doFilter(one, response, chain);
        if (chain.forwarded != before + 1) {
            throw new IllegalStateException("the gate refused " + one + ": " + response.getStatus() + " "
                    + response.bodyText());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        filter.destroy();
    }

    @Benchmark
    public long gate() throws IOException, ServletException {
        filter.doFilter(template.copy(), new InMemoryResponse(), chain);
        return chain.forwarded;
    }

    private static String jwt() {
        return Jwts.builder().subject("alice").claim("workspaceId", "ws_1").claim("role", "owner")
                .issuedAt(new Date()).expiration(Date.from(Instant.now().plusSeconds(86_400)))
                .signWith(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"), Jwts.SIG.HS256)
                .compact();
    }

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Where the proxy would take over: it owns the exchange's end and reports it, as the relay does. */
    private static final class ForwardingChain implements FilterChain {
        long forwarded;

        @Override
        public void doFilter(ServletRequest request, ServletResponse response) {
            GateExchange exchange = GateAttributes.exchange(request);
            exchange.relayOwnsEnd();
            forwarded++;
            exchange.end(200, request.getContentLengthLong(), 512, ExchangeOutcome.EndedBy.UPSTREAM);
        }
    }
}
