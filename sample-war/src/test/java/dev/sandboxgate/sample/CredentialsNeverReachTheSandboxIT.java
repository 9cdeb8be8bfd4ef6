package dev.sandboxgate.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.proxy.RawClient;
import dev.sandboxgate.proxy.RawUpstream;


import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * End to end through the launcher's gateway to an upstream that records the wire: the {@code access_token} query
 * parameter is stripped from the URL the proxy builds (it uses the filter's wrapped request), every other query byte
 * is kept, and neither the caller's bearer token nor an API-key header reaches the sandbox, which sees only its own
 * token. Nothing the caller sent appears in the gateway's output.
 */
class CredentialsNeverReachTheSandboxIT {
    private static final String SANDBOX_TOKEN = "strip-it-sandbox-token";
    private static final String SECRET = "strip-it-hmac-secret-0123456789abcdef-xyz";
    private static final String API_KEY = "sgk_strip_it_5b7c9d1e3f5a7b9c1d3e5f70";

    @Test
    void queryTokensAndCredentialHeadersAreRemovedBeforeForwarding() throws Exception {
        Path keys = Files.createTempFile("api-keys", ".txt");
        Files.writeString(keys, "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(API_KEY.getBytes(StandardCharsets.UTF_8))) + " job ws_q=owner\n");
        String jwt = hs256("{\"sub\":\"alice\",\"workspaceId\":\"ws_q\",\"role\":\"owner\",\"exp\":"
                + Instant.now().plusSeconds(600).getEpochSecond() + "}");
        try (RawUpstream upstream = RawUpstream.healthy();
             GatewayProcess gateway = GatewayProcess.start(Map.of("SANDBOX_URL", upstream.url(),
                     "SANDBOX_TOKEN", SANDBOX_TOKEN, "JWT_HS256_SECRET", SECRET,
                     "API_KEYS_FILE", keys.toString(), "API_KEY_HEADER", "X-API-Key"), List.of())) {
            HttpClient http = HttpClient.newHttpClient();
            String base = gateway.baseUrl("ws_q");

            // An EventSource: token in the query, between parameters that must reach the sandbox byte for byte.
            HttpResponse<String> sse = http.send(HttpRequest.newBuilder(URI.create(base
                    + "/v1/acp/srv-1?a=%2F%20x&access_token=" + jwt + "&b=2&c"))
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(sse.statusCode()).isEqualTo(200);
            RawUpstream.Head head = upstream.nextRequest(5, TimeUnit.SECONDS);
            assertThat(head.target()).isEqualTo("/v1/acp/srv-1?a=%2F%20x&b=2&c");
            assertThat(head.first("authorization")).isEqualTo("Bearer " + SANDBOX_TOKEN);

            // A WebSocket upgrade, as the SDK opens a process terminal: token in the query.
            // (RawClient: the JDK client will not send Upgrade.)
            RawClient.Response upgrade = RawClient.exchange(base, "GET " + URI.create(base).getPath()
                    + "/v1/processes/p1/terminal/ws?access_token=" + jwt + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13", null);
            assertThat(upgrade.status()).isNotEqualTo(401);
            head = upstream.nextRequest(5, TimeUnit.SECONDS);
            assertThat(head.target()).isEqualTo("/v1/processes/p1/terminal/ws");
            assertThat(head.first("authorization")).isEqualTo("Bearer " + SANDBOX_TOKEN);

            // An API key in its own header.
            HttpResponse<String> keyed = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/health"))
                    .header("X-API-Key", API_KEY).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(keyed.statusCode()).isEqualTo(200);
            head = upstream.nextRequest(5, TimeUnit.SECONDS);
            assertThat(head.first("x-api-key")).isNull();
            assertThat(head.first("authorization")).isEqualTo("Bearer " + SANDBOX_TOKEN);

            // A query token where it is not accepted: refused, and nothing reaches the sandbox.
            HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(base
                    + "/v1/fs/file?path=/etc/hosts&access_token=" + jwt)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.body()).doesNotContain(jwt);
            assertThat(upstream.nextRequest(300, TimeUnit.MILLISECONDS)).isNull();

            assertThat(gateway.output()).doesNotContain(jwt).doesNotContain(API_KEY).doesNotContain(SECRET)
                    .doesNotContain(SANDBOX_TOKEN);
        } finally {
            Files.deleteIfExists(keys);
        }
    }

    private static String hs256(String claims) throws Exception {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String input = b64.encodeToString("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return input + "." + b64.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    }
}
