package dev.sandboxgate.benchmarks;

import dev.sandboxgate.filter.BenchmarkExchanges;
import dev.sandboxgate.filter.GateExchange;
import dev.sandboxgate.filter.Refusal;
import dev.sandboxgate.filter.SandboxPrincipal;
import dev.sandboxgate.filter.Settings;
import dev.sandboxgate.filter.Stage;
import dev.sandboxgate.filter.WorkspaceRole;
import dev.sandboxgate.filter.authz.Authorization;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the policy decision costs per request: the authorization stage exactly as {@code SandboxAuthFilter} runs it
 * after authentication ({@code Authorization.stage(settings).apply(exchange)}, default policy, {@code fs-root}
 * {@code /workspace}, in-memory session registry), on a caller who is a member of the workspace:
 * <ul>
 *   <li>{@code health}: {@code GET /sandbox/ws_1/v1/health}: path reading, classification, role check;
 *   <li>{@code fs-read}: {@code GET /sandbox/ws_1/v1/fs/file?path=/workspace/src/main/App.java}: the same plus the
 *       query read as the sandbox reads it and the path held to the root (the typical confined request);
 *   <li>{@code acp-stream}: {@code GET /sandbox/ws_1/v1/acp/sdk-mock-1a2b3c}: the same plus the session registry's
 *       lookup of a bound server id.
 * </ul>
 * Run: {@code java -jar benchmarks/target/benchmarks.jar AuthorizationBenchmark} (see BENCHMARKS.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class AuthorizationBenchmark {

    @Param({"health", "fs-read", "acp-stream"})
    public String request;

    private Stage stage;
    private GateExchange exchange;

    @Setup
    public void setUp() {
        Map<String, String> params = Map.of("fs-root", "/workspace");
        stage = Authorization.stage(Settings.of("benchmark", params::get, name -> null, name -> null));
        SandboxPrincipal member = new SandboxPrincipal("alice", "jwt", Map.of("ws_1", WorkspaceRole.MEMBER), null);
        String pathAndQuery = switch (request) {
            case "health" -> "/ws_1/v1/health";
            case "fs-read" -> "/ws_1/v1/fs/file?path=/workspace/src/main/App.java";
            case "acp-stream" -> "/ws_1/v1/acp/sdk-mock-1a2b3c";
            default -> throw new IllegalArgumentException(request);
        };
        exchange = BenchmarkExchanges.authenticated(InMemoryRequest.of("GET", pathAndQuery, Map.of(), null), member);
        Refusal refusal = stage.apply(exchange); // binds the ACP server id to ws_1, as its first stream would
        if (refusal != null) {
            throw new IllegalStateException("the benchmark request is refused: " + refusal.detail());
        }
    }

    @Benchmark
    public Refusal decide() {
        return stage.apply(exchange);
    }
}
