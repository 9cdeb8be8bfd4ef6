package dev.sandboxgate.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.proxy.RawClient;
import dev.sandboxgate.proxy.RawUpstream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Requests the container refuses before any of the WAR's code runs are answered in our format too on the launcher:
 * application/problem+json naming only the status, no HTML page, and nothing reaches the sandbox.
 */
class ContainerErrorsIT {
    private static final String APP_TOKEN = "container-errors-it-app-token";

    @Test
    void containerRefusalsAreProblemJsonAndNeverReachTheSandbox() throws Exception {
        try (RawUpstream upstream = RawUpstream.healthy();
             GatewayProcess gateway = GatewayProcess.start(upstream.url(), "container-errors-it-sandbox-token",
                     APP_TOKEN, List.of())) {
            String base = gateway.baseUrl("ws").replaceFirst("/sandbox/ws$", "");
            String auth = "\r\nHost: gw\r\nAuthorization: Bearer " + APP_TOKEN + "\r\nConnection: close";
            assertProblem(RawClient.exchange(base, "GET /sandbox/ws/v1/fs/a%2Fb HTTP/1.1" + auth, null), 400);
            assertProblem(RawClient.exchange(base, "GET /sandbox/ws//v1/health HTTP/1.1" + auth, null), 400);
            assertProblem(RawClient.exchange(base, "GET /sandbox/ws/v1/%25 HTTP/1.1" + auth, null), 400);
            assertProblem(RawClient.exchange(base, "GET /sandbox/ws/v1/%zz/health HTTP/1.1" + auth, null), 400);
            assertProblem(RawClient.exchange(base, "GET /sandbox/ws/v1/fs/file% HTTP/1.1" + auth, null), 400);
            // An invalid encoding in the query reaches the gateway, which refuses it in the same format.
            RawClient.Response query = RawClient.exchange(base, "GET /sandbox/ws/v1/fs/file?path=%zz HTTP/1.1" + auth,
                    null);
            assertThat(query.status()).isEqualTo(400);
            assertThat(query.first("Content-Type")).isEqualTo("application/problem+json");
            assertThat(query.bodyText()).startsWith("{\"type\":\"urn:sandbox-gate:problem:");
            assertProblem(RawClient.exchange(base, "GET /not-the-mount HTTP/1.1" + auth, null), 404);
            assertProblem(RawClient.exchange(base, "GARBAGE", null), 400);
            assertThat(upstream.requestCount()).as("requests that reached the sandbox").isZero();

            RawClient.Response allowed = RawClient.exchange(base, "GET /sandbox/ws/v1/health HTTP/1.1" + auth, null);
            assertThat(allowed.status()).as("the same gateway forwards a well-formed request").isEqualTo(200);
        }
    }

    private static void assertProblem(RawClient.Response response, int status) {
        assertThat(response.status()).isEqualTo(status);
        assertThat(response.first("Content-Type")).isEqualTo("application/problem+json");
        assertThat(response.bodyText())
                .isEqualTo("{\"type\":\"urn:sandbox-gate:problem:container-" + status
                        + "\",\"title\":\"Refused by the container\",\"status\":" + status + "}");
    }
}
