package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which headers cross the gateway: credentials are swapped, hop-by-hop headers stay on their hop. */
@ExtendWith(LogLeakGuard.class)
class HeaderHygieneTest {
    private static final String AUTH = "Authorization: Bearer " + GatewayServer.APP_TOKEN;

    @Test
    void replacesCallerCredentialWithSandboxToken() throws Exception {
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            RawClient.exchange(gw.baseUrl(), get("/v1/health", AUTH), null);

            RawUpstream.Head head = up.nextRequest(5, TimeUnit.SECONDS);
            assertThat(head.headers().get("authorization")).containsExactly("Bearer " + GatewayServer.SANDBOX_TOKEN);
            assertThat(head.toString()).doesNotContain(GatewayServer.APP_TOKEN);
        }
    }

    @Test
    void neverForwardsCookiesOrConfiguredCredentialHeaders() throws Exception {
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of("credential-headers", "X-Api-Key, X-Auth-Key"))) {
            RawClient.exchange(gw.baseUrl(), get("/v1/acp/s1", AUTH,
                    "Cookie: session=caller-session-cookie",
                    "X-Api-Key: caller-api-key-5be0c2",
                    "x-auth-key: another-key",
                    "Proxy-Authorization: Basic cHJveHk6c2VjcmV0",
                    "Accept: text/event-stream",
                    "Last-Event-ID: 42",
                    "X-Custom: kept"), null);

            RawUpstream.Head head = up.nextRequest(5, TimeUnit.SECONDS);
            assertThat(head.headers()).doesNotContainKeys(
                    "cookie", "x-api-key", "x-auth-key", "proxy-authorization");
            assertThat(head.toString()).doesNotContain("caller-session-cookie", "caller-api-key-5be0c2",
                    "another-key", "cHJveHk6c2VjcmV0");
            assertThat(head.first("accept")).isEqualTo("text/event-stream");
            assertThat(head.first("last-event-id")).isEqualTo("42");
            assertThat(head.first("x-custom")).isEqualTo("kept");
        }
    }

    @Test
    void neverReturnsSandboxCookies() throws Exception {
        try (RawUpstream up = new RawUpstream((head, in, out) -> RawUpstream.respond(out, 200, "application/json",
                "{}".getBytes(StandardCharsets.UTF_8),
                "Set-Cookie: sandbox-session=abc; Path=/", "Set-Cookie: other=def", "Set-Cookie2: legacy=1",
                "X-Upstream: kept"));
             GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            RawClient.Response response = RawClient.exchange(gw.baseUrl(), get("/v1/health", AUTH), null);

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.headers()).doesNotContainKeys("set-cookie", "set-cookie2");
            assertThat(response.head()).doesNotContain("sandbox-session", "other=def", "legacy=1");
            assertThat(response.first("X-Upstream")).isEqualTo("kept");
        }
    }

    @Test
    void dropsHopByHopRequestHeaders() throws Exception {
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            RawClient.Response response = RawClient.exchange(gw.baseUrl(), String.join("\r\n",
                    "GET /sandbox/ws_1/v1/health HTTP/1.1",
                    "Host: gw",
                    AUTH,
                    "Connection: close, Upgrade, X-Hop-Up, x-other-hop",
                    "Keep-Alive: timeout=5",
                    "TE: trailers",
                    "Trailer: X-Checksum",
                    "Upgrade: example/1",
                    "Proxy-Connection: keep-alive",
                    "Proxy-Foo: bar",
                    "X-Hop-Up: hop-only",
                    "X-Other-Hop: hop-only-too",
                    "X-End-To-End: kept"), null);

            assertThat(response.status()).isEqualTo(200);
            RawUpstream.Head head = up.nextRequest(5, TimeUnit.SECONDS);
            assertThat(head.headers()).doesNotContainKeys("connection", "keep-alive", "te", "trailer", "upgrade",
                    "proxy-connection", "proxy-foo", "x-hop-up", "x-other-hop");
            assertThat(head.toString()).doesNotContain("hop-only", "example/1", "timeout=5");
            assertThat(head.first("x-end-to-end")).isEqualTo("kept");
        }
    }

    @Test
    void dropsHopByHopResponseHeaders() throws Exception {
        try (RawUpstream up = new RawUpstream((head, in, out) -> RawUpstream.respond(out, 200, "application/json",
                "{}".getBytes(StandardCharsets.UTF_8),
                "Connection: X-Hop-Down",
                "Keep-Alive: timeout=5, max=100",
                "Trailer: X-Checksum",
                "Upgrade: example/1",
                "TE: trailers",
                "Proxy-Authenticate: Basic realm=\"sandbox\"",
                "Proxy-Foo: bar",
                "X-Hop-Down: hop-only",
                "X-End-To-End: kept"));
             GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            RawClient.Response response = RawClient.exchange(gw.baseUrl(), get("/v1/health", AUTH), null);

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.headers()).doesNotContainKeys("keep-alive", "trailer", "upgrade", "te",
                    "proxy-authenticate", "proxy-foo", "x-hop-down");
            // The client's own connection gets the container's Connection header, never the sandbox's.
            assertThat(response.all("Connection")).allSatisfy(value -> assertThat(value).isEqualTo("close"));
            assertThat(response.head()).doesNotContain("hop-only", "X-Hop-Down", "example/1", "realm=");
            assertThat(response.first("X-End-To-End")).isEqualTo("kept");
        }
    }

    @Test
    void setsForwardedHeadersReplacingTheCallersClaims() throws Exception {
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            RawClient.exchange(gw.baseUrl(), get("/v1/health", AUTH,
                    "X-Forwarded-Proto: https", "X-Forwarded-Host: spoofed.example"), null);

            RawUpstream.Head head = up.nextRequest(5, TimeUnit.SECONDS);
            assertThat(head.headers().get("x-forwarded-for")).containsExactly("127.0.0.1");
            assertThat(head.headers().get("x-forwarded-proto")).containsExactly("http");
            assertThat(head.headers().get("x-forwarded-host")).containsExactly("gw.example:8443");
            assertThat(head.headers().get("host")).containsExactly(up.url().substring("http://".length()));
        }
    }

    @Test
    void appendsClientAddressToEarlierForwardedFor() throws Exception {
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            RawClient.exchange(gw.baseUrl(), get("/v1/health", AUTH, "X-Forwarded-For: 203.0.113.9"), null);

            assertThat(up.nextRequest(5, TimeUnit.SECONDS).headers().get("x-forwarded-for"))
                    .containsExactly("203.0.113.9, 127.0.0.1");
        }
    }

    @Test
    void propagatesWellFormedRequestIdBothWays() throws Exception {
        try (RawUpstream up = new RawUpstream((head, in, out) -> RawUpstream.respond(out, 200, "application/json",
                "{}".getBytes(StandardCharsets.UTF_8), "X-Request-Id: sandbox-own-id"));
             GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            RawClient.Response response = RawClient.exchange(gw.baseUrl(),
                    get("/v1/health", AUTH, "X-Request-Id: req-2024.06:abc_DEF-1"), null);

            assertThat(up.nextRequest(5, TimeUnit.SECONDS).headers().get("x-request-id"))
                    .containsExactly("req-2024.06:abc_DEF-1");
            assertThat(response.all("X-Request-Id")).containsExactly("req-2024.06:abc_DEF-1");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"has spaces in it", "<script>alert(1)</script>", "-leading-dash", "x\u00e9y",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                    + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void replacesMalformedRequestIdWithGeneratedOne(String offered) throws Exception {
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            RawClient.Response response = RawClient.exchange(gw.baseUrl(),
                    get("/v1/health", AUTH, "X-Request-Id: " + offered), null);

            String generated = response.first("X-Request-Id");
            assertThat(generated).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
            assertThat(response.all("X-Request-Id")).hasSize(1);
            assertThat(response.wholeText()).doesNotContain(offered);
            assertThat(up.nextRequest(5, TimeUnit.SECONDS).headers().get("x-request-id")).containsExactly(generated);
        }
    }

    @Test
    void generatesRequestIdWhenNoneIsSent() throws Exception {
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            RawClient.Response first = RawClient.exchange(gw.baseUrl(), get("/v1/health", AUTH), null);
            RawClient.Response second = RawClient.exchange(gw.baseUrl(), get("/v1/health", AUTH), null);

            assertThat(first.first("X-Request-Id")).isNotBlank().isNotEqualTo(second.first("X-Request-Id"));
            assertThat(up.nextRequest(5, TimeUnit.SECONDS).first("x-request-id"))
                    .isEqualTo(first.first("X-Request-Id"));
        }
    }

    /** A GET through the gateway for {@code rest}, Host {@code gw.example:8443}, closing the connection after. */
    private static String get(String rest, String... headers) {
        StringBuilder head = new StringBuilder("GET /sandbox/ws_1").append(rest).append(" HTTP/1.1\r\n")
                .append("Host: gw.example:8443\r\nConnection: close");
        for (String header : headers) {
            head.append("\r\n").append(header);
        }
        return head.toString();
    }
}
