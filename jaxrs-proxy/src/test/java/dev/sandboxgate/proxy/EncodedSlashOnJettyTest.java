package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.WorkspaceRole;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The README's Jetty setting for {@code %2F} (default URI compliance plus {@code AMBIGUOUS_PATH_SEPARATOR}, and
 * {@code decodeAmbiguousURIs}): an encoded slash inside a session id reaches the sandbox byte for byte, while the
 * container's stock Jetty refuses it, and encoded traversal is still refused with nothing forwarded.
 */
@ExtendWith(LogLeakGuard.class)
class EncodedSlashOnJettyTest {
    private static final Map<String, String> FILTER = Map.of("authenticators", RoleTokenAuthenticator.class.getName());
    private static final String OWNER = "Authorization: Bearer " + RoleTokenAuthenticator.token(WorkspaceRole.OWNER,
            "ws_1");
    private static final byte[] INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"}"
            .getBytes(StandardCharsets.UTF_8);

    private static RawClient.Response post(GatewayServer gateway, String target) throws Exception {
        return RawClient.exchange(gateway.baseUrl(), "POST " + target + " HTTP/1.1\r\nHost: gw\r\n" + OWNER
                + "\r\nContent-Type: application/json\r\nContent-Length: " + INITIALIZE.length
                + "\r\nConnection: close", INITIALIZE);
    }

    @Test
    void anEncodedSlashInAnIdPassesWithTheRecommendedSettingAndNotWithout() throws Exception {
        try (RawUpstream upstream = RawUpstream.healthy();
             GatewayServer relaxed = GatewayServer.startAllowingEncodedSlashes(upstream.url(), Map.of(), FILTER);
             GatewayServer stock = GatewayServer.start(upstream.url(), Map.of(), FILTER)) {
            assertThat(post(relaxed, "/sandbox/ws_1/v1/acp/sdk%2Fmock-1?agent=mock").status()).isEqualTo(200);
            assertThat(upstream.nextRequest(5, TimeUnit.SECONDS).requestLine())
                    .isEqualTo("POST /v1/acp/sdk%2Fmock-1?agent=mock HTTP/1.1");

            assertThat(post(stock, "/sandbox/ws_1/v1/acp/sdk%2Fmock-2?agent=mock").status()).isEqualTo(400);
            for (String attack : new String[] {"/sandbox/ws_1/v1/acp/%2e%2e%2f%2e%2e%2fui",
                    "/sandbox/ws_1/v1/%2e%2e/ui/", "/sandbox/ws_2%2F..%2Fws_1/v1/acp/x", "/sandbox/ws_1/v1/acp/a%2F..%2F..%2Fui"}) {
                assertThat(post(relaxed, attack).status()).as(attack).isIn(400, 403);
            }
            assertThat(upstream.nextRequest(0, TimeUnit.MILLISECONDS)).isNull();
            assertThat(upstream.connectionCount()).isEqualTo(1);
        }
    }
}
