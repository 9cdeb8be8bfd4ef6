package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.ProblemType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Browsers on other origins: preflights are answered by the gateway without a credential and never forwarded; a
 * foreign origin is refused and the refusal is seen by the listeners (the audit trail).
 */
@ExtendWith(LogLeakGuard.class)
class CorsTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final String APP = "http://app.example.test:3000";
    private static final Map<String, String> CORS = Map.of("authorization", "off",
            "cors-allowed-origins", APP + ", https://other.example.test",
            "gate-listeners", RecordingListener.class.getName());

    @BeforeEach
    void reset() {
        RecordingListener.reset();
    }

    @Test
    void answersAnAllowedPreflightWithoutCredentialAndForwardsNothing() throws Exception {
        try (RawUpstream up = RawUpstream.healthy(); GatewayServer gw = GatewayServer.start(up.url(), Map.of(), CORS)) {
            HttpResponse<String> response = CLIENT.send(preflight(gw, APP, "POST", "authorization,content-type"),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(204);
            assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).hasValue(APP);
            assertThat(response.headers().firstValue("Access-Control-Allow-Methods").orElseThrow()).contains("POST");
            assertThat(response.headers().firstValue("Access-Control-Allow-Headers"))
                    .hasValue("authorization,content-type");
            assertThat(response.headers().firstValue("Access-Control-Max-Age")).hasValue("600");
            assertThat(response.headers().firstValue("Access-Control-Allow-Credentials")).isEmpty();
            assertThat(response.headers().allValues("Vary").toString()).contains("Origin");
            assertThat(up.requestCount()).isZero();
        }
    }

    @Test
    void refusesAPreflightFromAForeignOriginOrForAHeaderNotAllowed() throws Exception {
        try (RawUpstream up = RawUpstream.healthy(); GatewayServer gw = GatewayServer.start(up.url(), Map.of(), CORS)) {
            for (HttpRequest request : new HttpRequest[] {preflight(gw, "http://evil.example.test", "GET", null),
                    preflight(gw, APP, "GET", "x-custom"), preflight(gw, APP, "TRACE", null),
                    preflight(gw, "null", "GET", null)}) {
                HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());

                assertThat(response.statusCode()).isEqualTo(403);
                assertThat(response.body()).contains(ProblemType.CORS_ORIGIN_FORBIDDEN.uri());
                assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
            }
            assertThat(up.requestCount()).isZero();
        }
    }

    @Test
    void anAllowedOriginReadsTheAnswerAndItsExposedHeaders() throws Exception {
        try (RawUpstream up = RawUpstream.healthy(); GatewayServer gw = GatewayServer.start(up.url(), Map.of(), CORS)) {
            HttpResponse<String> response = CLIENT.send(actual(gw, APP), HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).hasValue(APP);
            assertThat(response.headers().firstValue("Access-Control-Expose-Headers").orElseThrow())
                    .contains("X-Request-Id", "RateLimit", "RateLimit-Policy", "Retry-After");
            assertThat(response.headers().allValues("Vary").toString()).contains("Origin");
            assertThat(up.requestCount()).isEqualTo(1);
        }
    }

    @Test
    void refusesAndRecordsAnActualRequestFromAForeignOrigin() throws Exception {
        try (RawUpstream up = RawUpstream.healthy(); GatewayServer gw = GatewayServer.start(up.url(), Map.of(), CORS)) {
            HttpResponse<String> response = CLIENT.send(actual(gw, "http://evil.example.test"),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(403);
            assertThat(response.body()).contains(ProblemType.CORS_ORIGIN_FORBIDDEN.uri());
            assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
            RecordingListener.Decision decision = RecordingListener.DECISIONS.poll(5, TimeUnit.SECONDS);
            assertThat(decision.refusal()).isEqualTo(ProblemType.CORS_ORIGIN_FORBIDDEN);
            assertThat(up.requestCount()).isZero();
        }
    }

    @Test
    void offByDefaultAPreflightNeedsACredentialLikeAnyRequest() throws Exception {
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of(), Map.of("authorization", "off"))) {
            HttpResponse<String> response = CLIENT.send(preflight(gw, APP, "GET", null),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
            assertThat(up.requestCount()).isZero();
        }
    }

    private static HttpRequest preflight(GatewayServer gw, String origin, String method, String headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gw.mountUrl() + "/ws_1/v1/acp/s1"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", origin).header("Access-Control-Request-Method", method);
        if (headers != null) {
            request.header("Access-Control-Request-Headers", headers);
        }
        return request.build();
    }

    private static HttpRequest actual(GatewayServer gw, String origin) {
        return HttpRequest.newBuilder(URI.create(gw.mountUrl() + "/ws_1/v1/health"))
                .header("Origin", origin).header("Authorization", "Bearer " + GatewayServer.APP_TOKEN).build();
    }
}
