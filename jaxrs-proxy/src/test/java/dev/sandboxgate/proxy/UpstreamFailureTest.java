package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the client sees when the sandbox refuses, is unreachable, stays silent, or breaks off mid-response. */
@ExtendWith(LogLeakGuard.class)
class UpstreamFailureTest {
    private static final String AUTH = "Authorization: Bearer " + GatewayServer.APP_TOKEN;

    @ParameterizedTest
    @ValueSource(ints = {400, 404, 406, 409, 413, 415, 500, 503, 504})
    void passesSandboxProblemsThroughUnchanged(int status) throws Exception {
        byte[] problem = ("{\"type\":\"urn:sandbox-agent:error:example\",\"title\":\"Example\",\"status\":" + status
                + ",\"detail\":\"caf\u00e9 \u2713\"}").getBytes(StandardCharsets.UTF_8);
        try (RawUpstream up = new RawUpstream((head, in, out) ->
                RawUpstream.respond(out, status, "application/problem+json", problem));
             GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            RawClient.Response response = RawClient.exchange(gw.baseUrl(), get("/v1/fs/file?path=/x"), null);

            assertThat(response.status()).isEqualTo(status);
            assertThat(response.first("Content-Type")).isEqualTo("application/problem+json");
            assertThat(response.body()).isEqualTo(problem);
            assertThat(response.complete()).isTrue();
        }
    }

    @Test
    void passesChunkedSandboxErrorThroughUnchanged() throws Exception {
        byte[] part1 = "{\"type\":\"urn:sandbox-agent:error:internal\",".getBytes(StandardCharsets.UTF_8);
        byte[] part2 = "\"status\":500}".getBytes(StandardCharsets.UTF_8);
        try (RawUpstream up = new RawUpstream((head, in, out) -> {
            RawUpstream.writeHead(out, 500, "Content-Type: application/problem+json",
                    "Transfer-Encoding: chunked", "Connection: close");
            RawUpstream.writeChunk(out, part1);
            RawUpstream.writeChunk(out, part2);
            RawUpstream.writeLastChunk(out);
        }); GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            RawClient.Response response = RawClient.exchange(gw.baseUrl(), get("/v1/health"), null);

            assertThat(response.status()).isEqualTo(500);
            assertThat(response.first("Content-Type")).isEqualTo("application/problem+json");
            assertThat(response.bodyText()).isEqualTo(
                    "{\"type\":\"urn:sandbox-agent:error:internal\",\"status\":500}");
            assertThat(response.complete()).isTrue();
        }
    }

    @Test
    void answers502WhenSandboxIsUnreachable() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        try (GatewayServer gw = GatewayServer.start("http://127.0.0.1:" + closedPort, Map.of())) {
            RawClient.Response response = RawClient.exchange(gw.baseUrl(),
                    get("/v1/health") + "\r\nX-Request-Id: unreachable-1", null);

            assertThat(response.status()).isEqualTo(502);
            assertThat(response.first("Content-Type")).startsWith("application/problem+json");
            assertThat(response.bodyText())
                    .contains("\"type\":\"urn:sandbox-gate:problem:upstream-unreachable\"")
                    .contains("\"status\":502")
                    .contains("\"requestId\":\"unreachable-1\"");
            assertNoInternals(response);
        }
    }

    @Test
    void answers504WhenSandboxIsSilentPastResponseTimeout() throws Exception {
        try (RawUpstream up = RawUpstream.silent();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of("response-timeout", "500ms"))) {
            long start = System.nanoTime();
            RawClient.Response response = RawClient.exchange(gw.baseUrl(),
                    get("/v1/acp/s1") + "\r\nX-Request-Id: silent-1", null);
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(response.status()).isEqualTo(504);
            assertThat(response.first("Content-Type")).startsWith("application/problem+json");
            assertThat(response.bodyText())
                    .contains("\"type\":\"urn:sandbox-gate:problem:upstream-timeout\"")
                    .contains("\"requestId\":\"silent-1\"");
            assertNoInternals(response);
            assertThat(tookMs).isBetween(450L, 3_000L);
            // The abandoned upstream request does not linger.
            assertThat(up.nextClose(2, TimeUnit.SECONDS)).as("upstream connection closed").isNotNull();
        }
    }

    @Test
    void asyncTimeoutEndsSilentExchangeWithProblemAndClosesUpstream() throws Exception {
        try (RawUpstream up = RawUpstream.silent();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of("async-timeout", "700ms"))) {
            RawClient.Response response = RawClient.exchange(gw.baseUrl(),
                    get("/v1/acp/s1") + "\r\nX-Request-Id: async-1", null);

            assertThat(up.nextClose(2, TimeUnit.SECONDS)).as("upstream connection closed").isNotNull();
            assertThat(response.status()).isEqualTo(504);
            assertThat(response.first("Content-Type")).startsWith("application/problem+json");
            assertThat(response.bodyText()).contains("\"type\":\"urn:sandbox-gate:problem:upstream-timeout\"")
                    .contains("\"requestId\":\"async-1\"");
        }
    }

    @Test
    void endsRelayedBodySilentPastIdleTimeout() throws Exception {
        try (RawUpstream up = new RawUpstream((head, in, out) -> {
            RawUpstream.writeHead(out, 200, "Content-Type: application/octet-stream", "Content-Length: 100000",
                    "Connection: close");
            out.write(new byte[1000]);
            out.flush();
            RawUpstream.current().awaitPeerClose(in); // and then nothing more
        }); GatewayServer gw = GatewayServer.start(up.url(), Map.of("idle-timeout", "1s"))) {
            long start = System.nanoTime();
            RawClient.Response response = RawClient.exchange(gw.baseUrl(), get("/v1/fs/file?path=/stuck"), null);

            Long closedAt = up.nextClose(5, TimeUnit.SECONDS);
            assertThat(closedAt).as("upstream connection closed").isNotNull();
            assertThat(TimeUnit.NANOSECONDS.toMillis(closedAt - start)).isBetween(900L, 3_500L);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.complete()).isFalse();
            assertThat(response.body()).hasSize(1000);
        }
    }

    @Test
    void responseTimeoutDoesNotLimitABodyThatKeepsStreaming() throws Exception {
        try (RawUpstream up = new RawUpstream((head, in, out) -> {
            RawUpstream.writeHead(out, 200, "Content-Type: application/octet-stream",
                    "Transfer-Encoding: chunked", "Connection: close");
            for (int i = 0; i < 4; i++) {
                Thread.sleep(400);
                RawUpstream.writeChunk(out, ("part" + i + ";").getBytes(StandardCharsets.UTF_8));
            }
            RawUpstream.writeLastChunk(out);
        }); GatewayServer gw = GatewayServer.start(up.url(), Map.of("response-timeout", "500ms"))) {
            RawClient.Response response = RawClient.exchange(gw.baseUrl(), get("/v1/fs/file?path=/slow"), null);

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.bodyText()).isEqualTo("part0;part1;part2;part3;");
            assertThat(response.complete()).isTrue();
        }
    }

    @Test
    void clientSeesTruncationWhenSandboxClosesMidFixedLengthBody() throws Exception {
        byte[] half = ForwardingTest.randomBytes(50_000, 3);
        try (RawUpstream up = new RawUpstream((head, in, out) -> {
            RawUpstream.writeHead(out, 200, "Content-Type: application/octet-stream",
                    "Content-Length: 100000", "Connection: close");
            out.write(half);
            out.flush();
        }); GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            RawClient.Response response = RawClient.exchange(gw.baseUrl(), get("/v1/fs/file?path=/big"), null);

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.complete()).isFalse();
            assertThat(response.body().length).isLessThan(100_000);
        }
    }

    @Test
    void clientSeesTruncationWhenSandboxResetsMidFixedLengthBody() throws Exception {
        try (RawUpstream up = new RawUpstream((head, in, out) -> {
            RawUpstream.writeHead(out, 200, "Content-Type: application/octet-stream",
                    "Content-Length: 100000", "Connection: close");
            out.write(new byte[30_000]);
            out.flush();
            Thread.sleep(100);
            RawUpstream.resetConnection();
        }); GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            RawClient.Response response = RawClient.exchange(gw.baseUrl(), get("/v1/fs/file?path=/big"), null);

            assertThat(response.complete()).isFalse();
            assertThat(response.body().length).isLessThan(100_000);
        }
    }

    @Test
    void clientSeesTruncationWhenSandboxBreaksOffChunkedBody() throws Exception {
        try (RawUpstream up = new RawUpstream((head, in, out) -> {
            RawUpstream.writeHead(out, 200, "Content-Type: application/octet-stream",
                    "Transfer-Encoding: chunked", "Connection: close");
            RawUpstream.writeChunk(out, new byte[20_000]);
            RawUpstream.writeChunk(out, new byte[20_000]);
            // ...and the connection closes without the final zero chunk.
        }); GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            // A keep-alive client (no Connection: close), so that the gateway's response is chunked too.
            RawClient.Response response = RawClient.exchange(gw.baseUrl(),
                    "GET /sandbox/ws_1/v1/fs/file?path=/big HTTP/1.1\r\nHost: gw\r\n" + AUTH, null);

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.first("Transfer-Encoding")).isEqualTo("chunked");
            assertThat(response.complete()).as("client can tell the body was cut short").isFalse();
        }
    }

    private static void assertNoInternals(RawClient.Response response) {
        assertThat(response.bodyText()).doesNotContain("Exception", "\tat ", "java.", "127.0.0.1");
        LogLeakGuard.assertNoSecretIn("response", response.wholeText());
    }

    private static String get(String rest) {
        return "GET /sandbox/ws_1" + rest + " HTTP/1.1\r\nHost: gw\r\n" + AUTH + "\r\nConnection: close";
    }
}
