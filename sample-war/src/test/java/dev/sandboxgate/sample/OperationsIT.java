package dev.sandboxgate.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What operators rely on, with the launcher in its own JVM and the real Sandbox Agent server: readiness follows the
 * sandbox, the Prometheus endpoint counts, and SIGTERM drains.
 */
class OperationsIT {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void readinessFollowsTheSandboxDownAndBackWithinTheCachePeriod() throws Exception {
        String appToken = "ops-it-" + UUID.randomUUID();
        SandboxAgentServer sandbox = SandboxAgentServer.start();
        int port = sandbox.port();
        String token = sandbox.token();
        try (GatewayProcess gateway = GatewayProcess.start(Map.of("SANDBOX_URL", sandbox.url(),
                "SANDBOX_TOKEN", token, "APP_API_TOKEN", appToken, "SANDBOX_HEALTH_CACHE", "1s"), List.of())) {
            assertThat(awaitReadiness(gateway, 200).body()).contains("\"sandbox:default\":{\"status\":\"up\"}");

            sandbox.close();
            HttpResponse<String> down = awaitReadiness(gateway, 503);
            assertThat(down.body()).contains("\"sandbox:default\":{\"status\":\"down\"")
                    .doesNotContain(Integer.toString(port), token, appToken);
            assertThat(get(gateway.rootUrl() + "/sandbox-gate/health/live", null).statusCode()).isEqualTo(200);

            sandbox = SandboxAgentServer.start(port, token);
            assertThat(awaitReadiness(gateway, 200).body()).contains("\"status\":\"ready\"");
        } finally {
            sandbox.close();
        }
    }

    @Test
    void thePrometheusEndpointCountsAllowedAndDeniedRequestsForTheOperatorOnly() throws Exception {
        String appToken = "ops-it-" + UUID.randomUUID();
        String metricsToken = "metrics-it-" + UUID.randomUUID();
        try (SandboxAgentServer sandbox = SandboxAgentServer.start();
             GatewayProcess gateway = GatewayProcess.start(Map.of("SANDBOX_URL", sandbox.url(),
                     "SANDBOX_TOKEN", sandbox.token(), "APP_API_TOKEN", appToken, "METRICS_TOKEN", metricsToken),
                     List.of())) {
            String metrics = gateway.rootUrl() + "/sandbox-gate/metrics";
            assertThat(get(metrics, null).statusCode()).isEqualTo(401);
            assertThat(get(metrics, "Bearer " + appToken).statusCode()).isEqualTo(401);
            String before = get(metrics, "Bearer " + metricsToken).body();

            get(gateway.baseUrl("demo") + "/v1/health", "Bearer " + appToken);
            get(gateway.baseUrl("demo") + "/v1/health", null);
            get(gateway.baseUrl("demo") + "/ui/", "Bearer " + appToken);
            String after = get(metrics, "Bearer " + metricsToken).body();

            assertThat(count(after, "operation=\"health\",outcome=\"allowed\"")
                    - count(before, "operation=\"health\",outcome=\"allowed\"")).isEqualTo(1);
            assertThat(count(after, "operation=\"unclassified\",outcome=\"unauthenticated\"")
                    - count(before, "operation=\"unclassified\",outcome=\"unauthenticated\"")).isEqualTo(1);
            assertThat(count(after, "operation=\"unclassified\",outcome=\"forbidden\"")
                    - count(before, "operation=\"unclassified\",outcome=\"forbidden\"")).isEqualTo(1);
            assertThat(after).doesNotContain(appToken, metricsToken, sandbox.token(), "demo");
        }
    }

    @Test
    void sigtermEndsTheStreamCleanlyLetsAShortTurnFinishAndAnswersALongOne503() throws Exception {
        String appToken = "ops-it-" + UUID.randomUUID();
        try (SandboxAgentServer sandbox = SandboxAgentServer.start();
             GatewayProcess gateway = GatewayProcess.start(Map.of("SANDBOX_URL", sandbox.url(),
                     "SANDBOX_TOKEN", sandbox.token(), "APP_API_TOKEN", appToken,
                     "SANDBOX_SHUTDOWN_GRACE", "8s"), List.of())) {
            AcpClient acp = new AcpClient(gateway.baseUrl("demo"), appToken);
            String shortTurn = acp.startSession("short-turn");
            String longTurn = acp.startSession("long-turn");
            HttpResponse<Stream<String>> stream = CLIENT.send(acp.request("short-turn")
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofLines());
            assertThat(stream.statusCode()).isEqualTo(200);
            // A 120 s agent turn (12 chunks, 10 s apart) and a 3 s one, both under way at SIGTERM.
            CompletableFuture<HttpResponse<String>> longPost = promptAsync(acp, "long-turn", longTurn,
                    "long chunks=12 delayMs=10000");
            CompletableFuture<HttpResponse<String>> shortPost = promptAsync(acp, "short-turn", shortTurn,
                    "short chunks=3 delayMs=1000");
            Iterator<String> lines = stream.body().iterator();
            boolean streaming = false;
            while (!streaming && lines.hasNext()) { // the short turn's first chunk: everything is under way
                String line = lines.next();
                streaming = line.startsWith("data: ") && line.contains("agent_message_chunk");
            }
            assertThat(streaming).isTrue();

            gateway.terminate();
            lines.forEachRemaining(line -> { }); // ends, without an exception: a clean end of the stream
            HttpResponse<String> late = get(gateway.baseUrl("demo") + "/v1/health", "Bearer " + appToken);

            assertThat(late.statusCode()).as("a request after SIGTERM").isEqualTo(503);
            HttpResponse<String> shortAnswer = shortPost.get(30, TimeUnit.SECONDS);
            assertThat(shortAnswer.statusCode()).isEqualTo(200);
            assertThat(shortAnswer.body()).contains("end_turn");
            HttpResponse<String> longAnswer = longPost.get(30, TimeUnit.SECONDS);
            assertThat(longAnswer.statusCode()).isEqualTo(503);
            assertThat(longAnswer.headers().firstValue("Retry-After")).hasValue("5");
            assertThat(longAnswer.body()).contains("urn:sandbox-gate:problem:shutting-down");
            assertThat(gateway.awaitExit(30)).as("the gateway exits after the grace period").isTrue();
        }
    }

    private static CompletableFuture<HttpResponse<String>> promptAsync(AcpClient acp, String serverId,
                                                                        String sessionId, String text) {
        return CLIENT.sendAsync(acp.request(serverId).header("Content-Type", "application/json")
                .header("Accept", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"session/prompt\",\"params\":{\"sessionId\":\""
                                + sessionId + "\",\"prompt\":[{\"type\":\"text\",\"text\":\"" + text + "\"}]}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> awaitReadiness(GatewayProcess gateway, int status) throws Exception {
        // health-cache is 1 s here: the verdict must follow the sandbox within a few of those.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        HttpResponse<String> response;
        do {
            response = get(gateway.rootUrl() + "/sandbox-gate/health", null);
            if (response.statusCode() == status) {
                return response;
            }
            Thread.sleep(250);
        } while (System.nanoTime() < deadline);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return response;
    }

    private static long count(String scrape, String labels) {
        Matcher line = Pattern.compile("^sandbox_gate_requests_total\\{" + Pattern.quote(labels) + ",?\\} (\\S+)$",
                Pattern.MULTILINE).matcher(scrape);
        return line.find() ? Math.round(Double.parseDouble(line.group(1))) : 0;
    }

    private static HttpResponse<String> get(String url, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
