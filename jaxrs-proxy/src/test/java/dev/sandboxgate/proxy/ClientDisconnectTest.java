package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A client that goes away, or cannot keep up, ends its upstream exchange at once: the sandbox must not keep
 * streaming (or, for {@code DELETE /v1/acp/{id}}, keep working) for nobody.
 */
@ExtendWith(LogLeakGuard.class)
class ClientDisconnectTest {
    private static final String AUTH = "Authorization: Bearer " + GatewayServer.APP_TOKEN;
    private static final long PROMPT_CLOSE_MS = 1_000;

    @Test
    void closesUpstreamWhenClientLeavesMidBody() throws Exception {
        try (RawUpstream up = new RawUpstream((head, in, out) -> {
            RawUpstream.PeerWatch watch = RawUpstream.current().watchPeerClose(in);
            RawUpstream.writeHead(out, 200, "Content-Type: application/octet-stream",
                    "Transfer-Encoding: chunked", "Connection: close");
            byte[] block = new byte[8 * 1024];
            while (!watch.closed()) {
                RawUpstream.writeChunk(out, block); // fails, or the watch sees the close, once the gateway lets go
                Thread.sleep(5);
            }
        }); GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            long closedByClient;
            try (RawClient.Connection client = RawClient.open(gw.baseUrl(), 0)) {
                client.send(get("/v1/processes/p1/logs?follow=true"));
                assertThat(client.readHead().status()).isEqualTo(200);
                client.input().readNBytes(100_000);
                closedByClient = System.nanoTime();
            }

            assertUpstreamClosedPromptly(up, closedByClient, "mid-body");
        }
    }

    @Test
    void closesUpstreamWhenClientLeavesEventStream() throws Exception {
        try (RawUpstream up = new RawUpstream((head, in, out) -> {
            RawUpstream.PeerWatch watch = RawUpstream.current().watchPeerClose(in);
            RawUpstream.writeHead(out, 200, "Content-Type: text/event-stream", "Transfer-Encoding: chunked",
                    "Connection: close");
            for (int id = 1; !watch.closed(); id++) {
                RawUpstream.writeChunk(out, ("event: message\nid: " + id + "\ndata: {}\n\n")
                        .getBytes(StandardCharsets.UTF_8));
                Thread.sleep(300);
            }
        }); GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            long closedByClient;
            try (RawClient.Connection client = RawClient.open(gw.baseUrl(), 0)) {
                client.send(get("/v1/acp/s1") + "\r\nAccept: text/event-stream");
                assertThat(client.readHead().status()).isEqualTo(200);
                assertThat(RawUpstream.readLine(client.input())).isNotNull(); // the first event's chunk arrived
                closedByClient = System.nanoTime();
            }

            assertUpstreamClosedPromptly(up, closedByClient, "event stream");
        }
    }

    /*
     * A client that leaves before any byte of the response was written cannot be seen by a servlet: Jetty 12.1.14
     * ee10 does not watch an idle connection (AsyncListener.onError never fires; a ReadListener gets onAllDataRead at
     * once and nothing after), and neither does Tomcat. Such an exchange is bounded by its response timeout, and
     * DELETE /v1/acp/{id}, which Sandbox Agent answers only once the caller goes away, by a short one of its own.
     */
    @Test
    void endsAcpDeleteAtItsOwnTimeoutSoTheAgentProcessStops() throws Exception {
        try (RawUpstream up = RawUpstream.silent();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of("acp-delete-timeout", "1s"))) {
            long sent;
            RawClient.Response response;
            try (RawClient.Connection client = RawClient.open(gw.baseUrl(), 0)) {
                client.send("DELETE /sandbox/ws_1/v1/acp/s1 HTTP/1.1\r\nHost: gw\r\n" + AUTH);
                sent = System.nanoTime();
                assertThat(up.nextRequest(5, TimeUnit.SECONDS)).isNotNull();
                response = client.readResponse(false);
            }
            Long closedAt = up.nextClose(5, TimeUnit.SECONDS);
            assertThat(closedAt).as("upstream connection closed at the ACP delete timeout").isNotNull();
            assertThat(TimeUnit.NANOSECONDS.toMillis(closedAt - sent)).isBetween(900L, 2_500L);
            assertThat(response.status()).isEqualTo(504);
            assertThat(response.first("Content-Type")).isEqualTo("application/problem+json");
        }
    }

    @Test
    void endsAbandonedExchangeAtResponseTimeoutWhenClientLeftBeforeHeaders() throws Exception {
        // Any other route: the response timeout bounds the abandoned exchange (5 minutes by default).
        try (RawUpstream up = RawUpstream.silent();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of("response-timeout", "1s"))) {
            long sent;
            try (RawClient.Connection client = RawClient.open(gw.baseUrl(), 0)) {
                client.send("GET /sandbox/ws_1/v1/fs/file?path=/slow HTTP/1.1\r\nHost: gw\r\n" + AUTH);
                sent = System.nanoTime();
                assertThat(up.nextRequest(5, TimeUnit.SECONDS)).isNotNull();
                Thread.sleep(200);
            }

            Long closedAt = up.nextClose(5, TimeUnit.SECONDS);
            assertThat(closedAt).as("upstream connection closed at the response timeout").isNotNull();
            long afterRequestMs = TimeUnit.NANOSECONDS.toMillis(closedAt - sent);
            System.out.printf("disconnect (before headers): upstream closed %d ms after the request, "
                    + "by the 1 s response timeout%n", afterRequestMs);
            assertThat(afterRequestMs).isBetween(900L, 2_500L);
        }
    }

    @Test
    void endsEventStreamOfClientThatFallsBehindWithoutStallingSandbox() throws Exception {
        AtomicLong longestWriteNanos = new AtomicLong();
        AtomicLong upstreamWrote = new AtomicLong();
        try (RawUpstream up = new RawUpstream((head, in, out) -> {
            RawUpstream.PeerWatch watch = RawUpstream.current().watchPeerClose(in);
            RawUpstream.writeHead(out, 200, "Content-Type: text/event-stream", "Transfer-Encoding: chunked",
                    "Connection: close");
            byte[] event = ("event: message\ndata: " + "x".repeat(1000) + "\n\n").getBytes(StandardCharsets.UTF_8);
            try {
                while (!watch.closed()) {
                    long start = System.nanoTime();
                    RawUpstream.writeChunk(out, event);
                    longestWriteNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                    upstreamWrote.addAndGet(event.length);
                }
            } catch (IOException closedByGateway) {
                // expected: the gateway closed this connection
            }
        }); GatewayServer gw = GatewayServer.start(up.url(), Map.of("stream-buffer", "64KiB"));
             RawClient.Connection client = RawClient.open(gw.baseUrl(), 4 * 1024)) {
            long start = System.nanoTime();
            client.send(get("/v1/acp/s1") + "\r\nAccept: text/event-stream");
            // The client reads nothing at all.

            Long closedAt = up.nextClose(5, TimeUnit.SECONDS);
            assertThat(closedAt).as("upstream connection closed by the gateway").isNotNull();
            System.out.printf("slow client: upstream closed %d ms after the request, after %d KiB; "
                            + "longest upstream write %d ms%n", TimeUnit.NANOSECONDS.toMillis(closedAt - start),
                    upstreamWrote.get() >> 10, TimeUnit.NANOSECONDS.toMillis(longestWriteNanos.get()));
            assertThat(TimeUnit.NANOSECONDS.toMillis(longestWriteNanos.get()))
                    .as("the sandbox was never held up by the slow client").isLessThan(500);

            // What the client had been sent ends: the stream does not hang on until an idle timeout.
            long readStart = System.nanoTime();
            RawClient.Response response = client.readResponse(false);
            System.out.printf("slow client: its stream ended %d ms after it started reading (complete=%s)%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - readStart), response.complete());
            assertThat(response.status()).isEqualTo(200);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - readStart)).isLessThan(5_000);
        }
    }

    private static void assertUpstreamClosedPromptly(RawUpstream up, long closedByClient, String when)
            throws InterruptedException {
        Long closedAt = up.nextClose(5, TimeUnit.SECONDS);
        assertThat(closedAt).as("upstream connection closed after the client left (%s)", when).isNotNull();
        long latencyMs = TimeUnit.NANOSECONDS.toMillis(closedAt - closedByClient);
        System.out.printf("disconnect (%s): upstream closed %d ms after the client%n", when, latencyMs);
        assertThat(latencyMs).isLessThan(PROMPT_CLOSE_MS);
    }

    private static String get(String rest) {
        return "GET /sandbox/ws_1" + rest + " HTTP/1.1\r\nHost: gw\r\n" + AUTH;
    }
}
