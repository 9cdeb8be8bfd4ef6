package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.WorkspaceRole;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The WebSocket relay in process, against {@link WebSocketUpstream}, which shows what reached the sandbox's side and
 * when. The gateway's filter runs as deployed (authorization enforced; terminals are an owner operation).
 */
@ExtendWith(LogLeakGuard.class)
class WebSocketRelayTest {
    private static final Map<String, String> FILTER = Map.of(
            "authenticators", "app-token," + RoleTokenAuthenticator.class.getName() + ","
                    + SessionCookieAuthenticator.class.getName(), "fs-root", "/",
            "gate-listeners", RecordingListener.class.getName());
    private static final String TERMINAL = "/sandbox/ws_1/v1/processes/p1/terminal/ws";

    private static WebSocketUpstream upstream;
    private static GatewayServer gateway;
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        upstream = new WebSocketUpstream();
        gateway = GatewayServer.start(upstream.url(), Map.of(), FILTER);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    /** What a test's client received, in order. */
    static final class Recorder implements WebSocket.Listener {
        final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<String> closed = new CompletableFuture<>();
        volatile long closedAtNanos;
        private StringBuilder text = new StringBuilder();
        private java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();
        private final boolean reads;

        Recorder(boolean reads) {
            this.reads = reads;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            if (reads) {
                webSocket.request(1);
            }
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text = new StringBuilder();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            binary.writeBytes(bytes);
            if (last) {
                messages.add(binary.toByteArray());
                binary = new java.io.ByteArrayOutputStream();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closedAtNanos = System.nanoTime();
            closed.complete(statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closedAtNanos = System.nanoTime();
            closed.complete("error " + error.getClass().getSimpleName());
        }

        Object next() throws InterruptedException {
            return messages.poll(10, TimeUnit.SECONDS);
        }
    }

    private static WebSocket open(String pathAndQuery, String bearer, Recorder recorder) throws Exception {
        return open(pathAndQuery, bearer, recorder, CLIENT.newWebSocketBuilder());
    }

    private static WebSocket open(String pathAndQuery, String bearer, Recorder recorder, WebSocket.Builder builder)
            throws Exception {
        builder.connectTimeout(Duration.ofSeconds(10));
        if (bearer != null) {
            builder.header("Authorization", "Bearer " + bearer);
        }
        URI uri = URI.create(gateway.baseUrl().replace("http:", "ws:") + pathAndQuery);
        return builder.buildAsync(uri, recorder).get(15, TimeUnit.SECONDS);
    }

    private static String owner() {
        return RoleTokenAuthenticator.token(WorkspaceRole.OWNER, "ws_1");
    }

    private static void drainHandshakes() throws InterruptedException {
        while (upstream.nextHandshake(0, TimeUnit.MILLISECONDS) != null) {
            // earlier tests' handshakes
        }
    }

    @Test
    void queryTokenIsVerifiedStrippedAndReplacedByTheSandboxToken() throws Exception {
        drainHandshakes();
        Recorder recorder = new Recorder(true);
        WebSocket ws = open(TERMINAL + "?a=%2F%20x&access_token=" + owner() + "&b=2", null, recorder);
        ws.sendText("hello", true).get(5, TimeUnit.SECONDS);
        assertThat(recorder.next()).isEqualTo("hello");
        WebSocketUpstream.Handshake handshake = upstream.nextHandshake(5, TimeUnit.SECONDS);
        assertThat(handshake.query()).isEqualTo("a=%2F%20x&b=2");
        assertThat(handshake.first("authorization")).isEqualTo("Bearer " + GatewayServer.SANDBOX_TOKEN);
        assertThat(handshake.headers().toString()).doesNotContain(owner());
        assertThat(handshake.first("x-request-id")).isNotBlank();
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
        assertThat(recorder.closed.get(5, TimeUnit.SECONDS)).startsWith("1000");
    }

    @Test
    void handshakeWithoutOrWithBadCredentialIsRefused401AndNothingReachesTheSandbox() throws Exception {
        drainHandshakes();
        int before = upstream.connections();
        for (String query : List.of("", "?access_token=wrong-token")) {
            RawClient.Response answer = RawClient.exchange(gateway.baseUrl(), handshake(TERMINAL + query, null), null);
            assertThat(answer.status()).isEqualTo(401);
            assertThat(answer.first("content-type")).startsWith("application/problem+json");
            assertThat(answer.first("upgrade")).isNull();
        }
        RawClient.Response badHeader = RawClient.exchange(gateway.baseUrl(),
                handshake(TERMINAL, "Bearer wrong-token"), null);
        assertThat(badHeader.status()).isEqualTo(401);
        assertThat(upstream.nextHandshake(300, TimeUnit.MILLISECONDS)).isNull();
        assertThat(upstream.connections()).isEqualTo(before);
    }

    @Test
    void viewersAndMembersCannotOpenTerminals() throws Exception {
        drainHandshakes();
        int before = upstream.connections();
        for (WorkspaceRole role : List.of(WorkspaceRole.VIEWER, WorkspaceRole.MEMBER)) {
            RawClient.Response answer = RawClient.exchange(gateway.baseUrl(), handshake(TERMINAL + "?access_token="
                    + RoleTokenAuthenticator.token(role, "ws_1"), null), null);
            assertThat(answer.status()).isEqualTo(403);
            assertThat(answer.bodyText()).contains("urn:sandbox-gate:problem:operation-forbidden");
        }
        RawClient.Response otherWorkspace = RawClient.exchange(gateway.baseUrl(), handshake(TERMINAL
                + "?access_token=" + RoleTokenAuthenticator.token(WorkspaceRole.OWNER, "ws_2"), null), null);
        assertThat(otherWorkspace.status()).isEqualTo(403);
        assertThat(upstream.nextHandshake(300, TimeUnit.MILLISECONDS)).isNull();
        assertThat(upstream.connections()).isEqualTo(before);
    }

    @Test
    void aCrossSiteHandshakeWithOnlyTheContainersLoginIsRefused() throws Exception {
        drainHandshakes();
        int before = upstream.connections();
        RawClient.Response refused = RawClient.exchange(gateway.baseUrl(), handshake(TERMINAL, null)
                + "\r\nCookie: " + SessionCookieAuthenticator.COOKIE + "\r\nOrigin: https://evil.example", null);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.bodyText()).contains("urn:sandbox-gate:problem:websocket-cross-origin");
        assertThat(upstream.nextHandshake(300, TimeUnit.MILLISECONDS)).isNull();
        assertThat(upstream.connections()).isEqualTo(before);

        // The same login from the gateway's own origin, or a token from anywhere, opens the terminal.
        String sameOrigin = gateway.baseUrl();
        for (WebSocket.Builder builder : List.of(
                CLIENT.newWebSocketBuilder().header("Cookie", SessionCookieAuthenticator.COOKIE)
                        .header("Origin", sameOrigin),
                CLIENT.newWebSocketBuilder().header("Origin", "https://app.example")
                        .header("Authorization", "Bearer " + owner()))) {
            Recorder recorder = new Recorder(true);
            WebSocket ws = open(TERMINAL, null, recorder, builder);
            ws.sendText("hi", true).get(5, TimeUnit.SECONDS);
            assertThat(recorder.next()).isEqualTo("hi");
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void textAndBinaryMessagesCrossUnchangedAndInOrder() throws Exception {
        Recorder recorder = new Recorder(true);
        WebSocket ws = open(TERMINAL, owner(), recorder);
        List<Object> sent = new ArrayList<>();
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 300; i++) {
            if (i % 3 == 0) {
                byte[] bytes = new byte[random.nextInt(70_000)];
                random.nextBytes(bytes);
                sent.add(bytes);
                ws.sendBinary(ByteBuffer.wrap(bytes), true).get(5, TimeUnit.SECONDS);
            } else {
                String text = "message " + i + " \u00e9\u4e2d\ud83d\ude00 " + "x".repeat(random.nextInt(5_000));
                sent.add(text);
                ws.sendText(text, true).get(5, TimeUnit.SECONDS);
            }
        }
        // A message the caller sends in three fragments arrives as one message.
        ws.sendText("frag-", false).get(5, TimeUnit.SECONDS);
        ws.sendText("ment", false).get(5, TimeUnit.SECONDS);
        ws.sendText("ed", true).get(5, TimeUnit.SECONDS);
        sent.add("frag-mented");
        for (Object expected : sent) {
            Object got = recorder.next();
            assertThat(got).as("message %d of %d; closed: %s", sent.indexOf(expected), sent.size(),
                    recorder.closed.getNow("no")).isNotNull();
            if (expected instanceof byte[] bytes) {
                assertThat(got).isInstanceOf(byte[].class);
                assertThat((byte[]) got).isEqualTo(bytes);
            } else {
                assertThat(got).isEqualTo(expected);
            }
        }
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
    }

    @Test
    void theEndOfASocketIsReportedOnceWithItsCloseCodeAndWhatCrossedEachWay() throws Exception {
        RecordingListener.reset();
        String requestId = "ws-end-" + System.nanoTime();
        Recorder recorder = new Recorder(true);
        WebSocket ws = open(TERMINAL, owner(), recorder, CLIENT.newWebSocketBuilder().header("X-Request-Id", requestId));
        ws.sendText("ab", true).get(5, TimeUnit.SECONDS);
        ws.sendBinary(ByteBuffer.wrap(new byte[] {1, 2, 3}), true).get(5, TimeUnit.SECONDS);
        ws.sendText("\u00e9", true).get(5, TimeUnit.SECONDS); // two bytes in UTF-8
        for (int i = 0; i < 3; i++) {
            assertThat(recorder.next()).isNotNull();
        }
        ws.sendClose(4005, "done").get(5, TimeUnit.SECONDS);
        RecordingListener.End end = null;
        for (int i = 0; i < 50 && end == null; i++) {
            RecordingListener.End next = RecordingListener.ENDS.poll(100, TimeUnit.MILLISECONDS);
            end = next != null && next.requestId().equals(requestId) ? next : null;
        }
        assertThat(end).as("the socket's end report").isNotNull();
        assertThat(end.outcome().status()).isEqualTo(101);
        assertThat(end.outcome().endedBy()).isEqualTo(dev.sandboxgate.filter.ExchangeOutcome.EndedBy.CLIENT);
        assertThat(end.closeCode()).isEqualTo(4005);
        assertThat(end.messagesIn()).isEqualTo(3);
        assertThat(end.messagesOut()).isEqualTo(3);
        assertThat(end.outcome().bytesIn()).isEqualTo(7);
        assertThat(end.outcome().bytesOut()).isEqualTo(7);
        Thread.sleep(200);
        assertThat(RecordingListener.ENDS.stream().filter(e -> e.requestId().equals(requestId))).isEmpty();
    }

    /** An end of a relayed socket: how it closes or vanishes, and what the other end then sees. */
    enum Side {
        CALLER {
            @Override
            void close(WebSocket ws, int code, String reason) throws Exception {
                ws.sendClose(code, reason).get(5, TimeUnit.SECONDS);
            }

            @Override
            void vanish(WebSocket ws) {
                ws.abort(); // TCP closed without a close frame
            }

            @Override
            Seen otherEndSees(Recorder caller) throws Exception {
                WebSocketUpstream.Closed seen = upstream.nextClose(5, TimeUnit.SECONDS);
                assertThat(seen).as("the sandbox's socket closed").isNotNull();
                return new Seen(seen.code() + " " + seen.reason(), seen.atNanos());
            }
        },
        SANDBOX {
            // WebSocketUpstream's commands: "close CODE REASON" sends a close frame, "drop" drops the connection.
            @Override
            void close(WebSocket ws, int code, String reason) throws Exception {
                ws.sendText("close " + code + " " + reason, true).get(5, TimeUnit.SECONDS);
            }

            @Override
            void vanish(WebSocket ws) throws Exception {
                ws.sendText("drop", true).get(5, TimeUnit.SECONDS);
            }

            @Override
            Seen otherEndSees(Recorder caller) throws Exception {
                return new Seen(caller.closed.get(5, TimeUnit.SECONDS), caller.closedAtNanos);
            }
        };

        abstract void close(WebSocket ws, int code, String reason) throws Exception;

        abstract void vanish(WebSocket ws) throws Exception;

        abstract Seen otherEndSees(Recorder caller) throws Exception;
    }

    /** The close the other end saw ("CODE REASON") and when. */
    record Seen(String close, long atNanos) {
        Duration after(long nanos) {
            return Duration.ofNanos(atNanos - nanos);
        }
    }

    /** A terminal socket relayed end to end (a message echoed through both sockets). */
    private static WebSocket openRelayed(Recorder recorder) throws Exception {
        drainCloses();
        WebSocket ws = open(TERMINAL, owner(), recorder);
        ws.sendText("ping?", true).get(5, TimeUnit.SECONDS);
        assertThat(recorder.next()).isEqualTo("ping?");
        return ws;
    }

    @ParameterizedTest
    @CsvSource({"CALLER, 4001, user closed the tab", "SANDBOX, 4002, process exited"})
    void aCloseReachesTheOtherEndWithItsCodeAndReasonWithinASecond(Side closing, int code, String reason)
            throws Exception {
        Recorder recorder = new Recorder(true);
        WebSocket ws = openRelayed(recorder);
        long closedAt = System.nanoTime();
        closing.close(ws, code, reason);
        Seen seen = closing.otherEndSees(recorder);
        assertThat(seen.close()).isEqualTo(code + " " + reason);
        assertThat(seen.after(closedAt)).isLessThan(Duration.ofSeconds(1));
    }

    /** A caller that vanishes leaves the sandbox 1006 (abnormal closure); a sandbox that does, the caller 1011. */
    @ParameterizedTest
    @CsvSource({"CALLER, 1006", "SANDBOX, 1011"})
    void anEndThatVanishesTakesTheOtherWithItWithinASecond(Side vanishing, int code) throws Exception {
        Recorder recorder = new Recorder(true);
        WebSocket ws = openRelayed(recorder);
        long vanishedAt = System.nanoTime();
        vanishing.vanish(ws);
        Seen seen = vanishing.otherEndSees(recorder);
        assertThat(seen.close()).startsWith(code + " ");
        assertThat(seen.after(vanishedAt)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void aCallerThatDoesNotReadStallsTheSandboxInsteadOfFillingTheGateway() throws Exception {
        long flood = 256L << 20; // far beyond every socket buffer on the way
        Recorder recorder = new Recorder(false);
        WebSocket ws = open(TERMINAL, owner(), recorder);
        long before = upstream.flooded();
        ws.sendText("flood " + flood, true).get(5, TimeUnit.SECONDS);
        // The sandbox's sends stall once the kernel buffers of both hops and the one message in the gateway are full.
        long stalled = awaitStall();
        System.out.println("a non-reading caller stalled the sandbox's flood after " + (stalled - before) + " bytes");
        assertThat(stalled - before).as("bytes the sandbox could send to a caller that reads nothing")
                .isLessThan(flood / 4);
        ws.abort();
    }

    private static long awaitStall() throws InterruptedException {
        long last = -1;
        for (int i = 0; i < 50; i++) {
            Thread.sleep(200);
            long now = upstream.flooded();
            if (now == last && now > 0) {
                return now;
            }
            last = now;
        }
        return upstream.flooded();
    }

    @Test
    void anIdleSocketIsClosedOnBothSidesAfterTheIdleTimeout() throws Exception {
        drainCloses();
        try (GatewayServer quick = GatewayServer.start(upstream.url(), Map.of("websocket-idle-timeout", "1s"),
                FILTER)) {
            Recorder recorder = new Recorder(true);
            WebSocket ws = CLIENT.newWebSocketBuilder().header("Authorization", "Bearer " + owner())
                    .buildAsync(URI.create(quick.baseUrl().replace("http:", "ws:") + TERMINAL), recorder)
                    .get(10, TimeUnit.SECONDS);
            ws.sendText("still here", true).get(5, TimeUnit.SECONDS);
            assertThat(recorder.next()).isEqualTo("still here");
            long lastActivity = System.nanoTime();
            assertThat(recorder.closed.get(10, TimeUnit.SECONDS)).startsWith("1001");
            assertThat(Duration.ofNanos(recorder.closedAtNanos - lastActivity)).isGreaterThan(Duration.ofMillis(900));
            WebSocketUpstream.Closed seen = upstream.nextClose(5, TimeUnit.SECONDS);
            assertThat(seen).isNotNull();
            assertThat(seen.code()).isEqualTo(1001);
        }
    }

    @Test
    void aSandboxRefusalOfTheHandshakeReachesTheCallerAsIs() throws Exception {
        CompletableFuture<WebSocket> refused = CLIENT.newWebSocketBuilder()
                .header("Authorization", "Bearer " + owner())
                .buildAsync(URI.create(gateway.baseUrl().replace("http:", "ws:")
                        + "/sandbox/ws_1/v1/desktop/stream/signaling"), new Recorder(true));
        try {
            refused.get(10, TimeUnit.SECONDS);
            throw new AssertionError("the handshake should have been refused");
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(WebSocketHandshakeException.class);
            assertThat(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode()).isEqualTo(404);
        }
    }

    private static void drainCloses() throws InterruptedException {
        Thread.sleep(100);
        while (upstream.nextClose(0, TimeUnit.MILLISECONDS) != null) {
            // earlier tests' closes
        }
    }

    private static String handshake(String target, String authorization) {
        return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13"
                + (authorization == null ? "" : "\r\nAuthorization: " + authorization);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
