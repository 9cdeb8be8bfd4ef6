package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Nothing reaches the sandbox unless the caller proved who it is and the gate itself is in place. */
@ExtendWith(LogLeakGuard.class)
class FailClosedTest {

    @Test
    void refusesRequestWithoutCredentialAndForwardsNothing() throws Exception {
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            RawClient.Response response = RawClient.exchange(gw.baseUrl(), get(null), null);

            assertThat(response.status()).isEqualTo(401);
            assertThat(response.first("WWW-Authenticate")).startsWith("Bearer");
            assertThat(response.first("Content-Type")).startsWith("application/problem+json");
            assertThat(response.bodyText()).contains("\"type\":\"urn:sandbox-gate:problem:credential-missing\"")
                    .contains("\"requestId\":\"" + response.first("X-Request-Id") + "\"");
            assertNothingForwarded(up);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer wrong-token-31a9", "Bearer " + GatewayServer.SANDBOX_TOKEN,
            "Bearer " + GatewayServer.APP_TOKEN + "x"})
    void refusesWrongTokenAndForwardsNothing(String authorization) throws Exception {
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            RawClient.Response response = RawClient.exchange(gw.baseUrl(), get(authorization), null);

            assertThat(response.status()).isEqualTo(401);
            assertThat(response.first("WWW-Authenticate")).startsWith("Bearer").contains("invalid_token");
            assertThat(response.first("Content-Type")).startsWith("application/problem+json");
            assertThat(response.bodyText()).contains("\"type\":\"urn:sandbox-gate:problem:credential-invalid\"");
            assertThat(response.wholeText()).doesNotContain(authorization.substring("Bearer ".length()));
            assertNothingForwarded(up);
        }
    }

    @Test
    void refusesCredentialOfAnotherSchemeAndForwardsNothing() throws Exception {
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            RawClient.Response response = RawClient.exchange(gw.baseUrl(), get("Basic YXBwOnBhc3N3b3Jk"), null);

            assertThat(response.status()).isEqualTo(401);
            assertThat(response.first("WWW-Authenticate")).startsWith("Bearer");
            assertNothingForwarded(up);
        }
    }

    @Test
    void proxyWithoutTheFilterInFrontRefusesAndForwardsNothing() throws Exception {
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.startWithoutFilter(up.url(), Map.of())) {
            // Even with the right token: without the gate, the proxy cannot know the request was checked.
            RawClient.Response response = RawClient.exchange(gw.baseUrl(),
                    get("Bearer " + GatewayServer.APP_TOKEN), null);

            assertThat(response.status()).isEqualTo(500);
            assertThat(response.first("Content-Type")).startsWith("application/problem+json");
            assertThat(response.bodyText()).contains("\"type\":\"urn:sandbox-gate:problem:not-gated\"");
            LogLeakGuard.assertNoSecretIn("response", response.wholeText());
            assertNothingForwarded(up);
        }
    }

    private static void assertNothingForwarded(RawUpstream up) throws InterruptedException {
        assertThat(up.nextRequest(200, TimeUnit.MILLISECONDS)).isNull();
        assertThat(up.connectionCount()).isZero();
    }

    private static String get(String authorization) {
        return "GET /sandbox/ws_1/v1/health HTTP/1.1\r\nHost: gw\r\nConnection: close"
                + (authorization == null ? "" : "\r\nAuthorization: " + authorization);
    }
}
