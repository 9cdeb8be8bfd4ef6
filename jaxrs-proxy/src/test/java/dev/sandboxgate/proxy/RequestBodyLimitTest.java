package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Request bodies over the gateway's limit are refused and never relayed whole. */
@ExtendWith(LogLeakGuard.class)
class RequestBodyLimitTest {
    private static final String AUTH = "Authorization: Bearer " + GatewayServer.APP_TOKEN;

    @Test
    void refusesDeclaredLengthOverDefaultLimitWithoutContactingSandbox() throws Exception {
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of());
             RawClient.Connection client = RawClient.open(gw.baseUrl(), 0)) {
            // 2 MiB + 1; the head alone decides, the body is never sent.
            client.send(put("Content-Length: 2097153"));
            RawClient.Response response = client.readResponse(false);

            assertThat(response.status()).isEqualTo(413);
            assertThat(response.first("Content-Type")).startsWith("application/problem+json");
            assertThat(response.bodyText()).contains("\"type\":\"urn:sandbox-gate:problem:payload-too-large\"")
                    .contains("2097152");
            assertThat(up.nextRequest(200, TimeUnit.MILLISECONDS)).isNull();
            assertThat(up.connectionCount()).isZero();
        }
    }

    @Test
    void forwardsBodyExactlyAtTheLimit() throws Exception {
        byte[] body = ForwardingTest.randomBytes(64 * 1024, 5);
        BlockingQueue<RawUpstream.Body> received = new LinkedBlockingQueue<>();
        try (RawUpstream up = new RawUpstream((head, in, out) -> {
            received.add(RawUpstream.readBody(head, in));
            RawUpstream.respond(out, 200, "text/plain", "ok".getBytes(StandardCharsets.UTF_8));
        }); GatewayServer gw = GatewayServer.start(up.url(), Map.of("max-request-body", "64KiB"))) {
            RawClient.Response response = RawClient.exchange(gw.baseUrl(),
                    put("Content-Length: " + body.length), body);

            assertThat(response.status()).isEqualTo(200);
            RawUpstream.Body upstreamBody = received.poll(5, TimeUnit.SECONDS);
            assertThat(upstreamBody.complete()).isTrue();
            assertThat(upstreamBody.bytes()).isEqualTo(body);
        }
    }

    @Test
    void refusesDeclaredLengthOverConfiguredLimit() throws Exception {
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of("max-request-body", "64KiB"))) {
            RawClient.Response response = RawClient.exchange(gw.baseUrl(),
                    put("Content-Length: " + (64 * 1024 + 1)), null);

            assertThat(response.status()).isEqualTo(413);
            assertThat(response.bodyText()).contains("\"type\":\"urn:sandbox-gate:problem:payload-too-large\"");
            assertThat(up.connectionCount()).isZero();
        }
    }

    @Test
    void refusesChunkedBodyGrowingPastLimitAndAbortsTheUpstreamRequest() throws Exception {
        BlockingQueue<RawUpstream.Body> received = new LinkedBlockingQueue<>();
        try (RawUpstream up = new RawUpstream((head, in, out) -> {
            RawUpstream.Body body = RawUpstream.readBody(head, in);
            received.add(body);
            if (body.complete()) {
                RawUpstream.respond(out, 200, "text/plain", "stored".getBytes(StandardCharsets.UTF_8));
            }
        }); GatewayServer gw = GatewayServer.start(up.url(), Map.of("max-request-body", "64KiB"));
             RawClient.Connection client = RawClient.open(gw.baseUrl(), 0)) {
            client.send(put("Transfer-Encoding: chunked"));
            for (int i = 0; i < 5; i++) {
                client.sendChunk(new byte[16 * 1024]); // 80 KiB in all: past the limit on the fifth chunk
            }
            // The client has not finished; the gateway refuses as soon as the limit is crossed.
            RawClient.Response response = client.readResponse(false);

            assertThat(response.status()).isEqualTo(413);
            assertThat(response.first("Content-Type")).startsWith("application/problem+json");
            assertThat(response.bodyText()).contains("\"type\":\"urn:sandbox-gate:problem:payload-too-large\"");
            RawUpstream.Body upstreamBody = received.poll(5, TimeUnit.SECONDS);
            assertThat(upstreamBody).as("the upstream saw the request start").isNotNull();
            assertThat(upstreamBody.complete()).as("the upstream request was aborted, not completed").isFalse();
            assertThat(upstreamBody.bytes().length).isLessThanOrEqualTo(64 * 1024);
        }
    }

    private static String put(String framing) {
        return "PUT /sandbox/ws_1/v1/fs/file?path=/upload HTTP/1.1\r\nHost: gw\r\n" + AUTH
                + "\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n" + framing;
    }
}
