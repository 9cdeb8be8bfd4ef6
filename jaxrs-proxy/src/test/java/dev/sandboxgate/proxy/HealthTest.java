package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Liveness and readiness: each sandbox probed (cached, bounded), nothing secret shown. */
@ExtendWith(LogLeakGuard.class)
class HealthTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void readyWhileTheSandboxAnswersNotReadyWhileItDoesNotAndReadyAgainAfter() throws Exception {
        AtomicBoolean sandboxUp = new AtomicBoolean(true);
        try (RawUpstream up = new RawUpstream((head, in, out) -> {
            boolean upNow = sandboxUp.get() && ("Bearer " + GatewayServer.SANDBOX_TOKEN)
                    .equals(head.first("Authorization")) && head.target().equals("/v1/health");
            RawUpstream.respond(out, upNow ? 200 : 503, "application/json",
                    "{}".getBytes(StandardCharsets.UTF_8));
        }); GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            HttpResponse<String> ready = health(gw, "");
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).contains("\"status\":\"ready\"", "\"configuration\":{\"status\":\"up\"}",
                    "\"accepting\":{\"status\":\"up\"}", "\"sandbox:default\":{\"status\":\"up\"}");

            sandboxUp.set(false);
            HttpResponse<String> down = awaitStatus(gw, 503);
            assertThat(down.body()).contains("\"status\":\"not-ready\"",
                    "\"sandbox:default\":{\"status\":\"down\",\"detail\":\"answered 503\"}");

            sandboxUp.set(true);
            assertThat(awaitStatus(gw, 200).body()).contains("\"status\":\"ready\"");
            assertThat(health(gw, "/live").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aSandboxThatIsGoneOrSilentIsReportedDownWithoutItsAddress() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (RawUpstream silent = RawUpstream.silent()) {
            for (String url : new String[] {"http://127.0.0.1:" + closedPort, silent.url()}) {
                try (GatewayServer gw = GatewayServer.start(url, Map.of())) {
                    HttpResponse<String> response = health(gw, "/ready");

                    assertThat(response.statusCode()).isEqualTo(503);
                    assertThat(response.body()).contains("\"sandbox:default\":{\"status\":\"down\"")
                            .doesNotContain(url.substring("http://".length()), GatewayServer.SANDBOX_TOKEN);
                    assertThat(health(gw, "/live").statusCode()).as("alive all the same").isEqualTo(200);
                }
            }
        }
    }

    private static HttpResponse<String> awaitStatus(GatewayServer gw, int status) throws Exception {
        // The verdict is cached for health-cache (1 s here): it must change within a few of those.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        HttpResponse<String> response;
        do {
            Thread.sleep(200);
            response = health(gw, "");
        } while (response.statusCode() != status && System.nanoTime() < deadline);
        assertThat(response.statusCode()).isEqualTo(status);
        return response;
    }

    private static HttpResponse<String> health(GatewayServer gw, String path) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/sandbox-gate/health" + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
