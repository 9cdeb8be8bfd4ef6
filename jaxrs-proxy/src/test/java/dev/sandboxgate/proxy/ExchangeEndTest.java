package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.ExchangeOutcome.EndedBy;
import dev.sandboxgate.filter.ProblemType;
import dev.sandboxgate.filter.Refusal;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every request the filter sees is decided once, and every forwarded one ends once, with what the relay counted:
 * what the audit trail and the stream caps are built on.
 */
@ExtendWith(LogLeakGuard.class)
class ExchangeEndTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final Map<String, String> LISTENING = Map.of("gate-listeners", RecordingListener.class.getName());

    @BeforeEach
    void reset() {
        RecordingListener.reset();
    }

    @Test
    void aRefusedRequestIsDecidedButNeverEnds() throws Exception {
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of(), LISTENING)) {
            HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(
                    URI.create(gw.mountUrl() + "/ws_1/v1/health")).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(401);
            RecordingListener.Decision decision = RecordingListener.DECISIONS.poll(5, TimeUnit.SECONDS);
            assertThat(decision.refusal()).isEqualTo(ProblemType.CREDENTIAL_MISSING);
            assertThat(decision.requestId()).isEqualTo(response.headers().firstValue("X-Request-Id").orElseThrow());
            assertThat(RecordingListener.ENDS.poll(300, TimeUnit.MILLISECONDS)).isNull();
            assertThat(up.requestCount()).isZero();
        }
    }

    @Test
    void aForwardedRequestEndsOnceWithTheBytesRelayedEachWay() throws Exception {
        byte[] answer = "{\"written\":true}".getBytes(StandardCharsets.UTF_8);
        try (RawUpstream up = new RawUpstream((head, in, out) -> {
            RawUpstream.readBody(head, in);
            RawUpstream.respond(out, 200, "application/json", answer);
        }); GatewayServer gw = GatewayServer.start(up.url(), Map.of(), LISTENING)) {
            byte[] upload = new byte[10_000];
            HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(
                            URI.create(gw.mountUrl() + "/ws_1/v1/fs/file?path=/workspace/a"))
                    .header("Authorization", "Bearer " + GatewayServer.APP_TOKEN)
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(upload)).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            RecordingListener.Decision decision = RecordingListener.DECISIONS.poll(5, TimeUnit.SECONDS);
            assertThat(decision.refusal()).isNull();
            assertThat(decision.workspace()).isEqualTo("ws_1");
            assertThat(decision.operation()).isEqualTo("fs.write");
            RecordingListener.End end = RecordingListener.ENDS.poll(5, TimeUnit.SECONDS);
            assertThat(end.outcome().status()).isEqualTo(200);
            assertThat(end.outcome().bytesIn()).isEqualTo(upload.length);
            assertThat(end.outcome().bytesOut()).isEqualTo(answer.length);
            assertThat(end.outcome().endedBy()).isEqualTo(EndedBy.UPSTREAM);
            assertThat(end.outcome().durationNanos()).isPositive();
            assertThat(end.sandboxId()).isNotBlank();
            assertThat(RecordingListener.ENDS.poll(300, TimeUnit.MILLISECONDS)).as("ends once").isNull();
        }
    }

    @Test
    void aClientLeavingAStreamEndsItAsTheClients() throws Exception {
        try (RawUpstream up = RawUpstream.endlessEvents(600);
             GatewayServer gw = GatewayServer.start(up.url(), Map.of(), LISTENING)) {
            HttpResponse<InputStream> response = CLIENT.send(HttpRequest.newBuilder(
                            URI.create(gw.mountUrl() + "/ws_1/v1/acp/s1"))
                    .header("Authorization", "Bearer " + GatewayServer.APP_TOKEN)
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
            InputStream body = response.body();
            assertThat(body.read(new byte[16])).isPositive();
            assertThat(RecordingListener.ENDS.poll(200, TimeUnit.MILLISECONDS)).as("still open").isNull();
            body.close();

            RecordingListener.End end = RecordingListener.ENDS.poll(10, TimeUnit.SECONDS);
            assertThat(end).as("ended after the client left").isNotNull();
            assertThat(end.outcome().endedBy()).isEqualTo(EndedBy.CLIENT);
            assertThat(end.outcome().bytesOut()).isPositive();
        }
    }

    @Test
    void anUnreachableSandboxEndsAsAnError() throws Exception {
        String deadUrl;
        try (RawUpstream gone = RawUpstream.healthy()) {
            deadUrl = gone.url();
        }
        try (GatewayServer gw = GatewayServer.start(deadUrl, Map.of(), LISTENING)) {
            HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(
                            URI.create(gw.mountUrl() + "/ws_1/v1/health"))
                    .header("Authorization", "Bearer " + GatewayServer.APP_TOKEN).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(502);
            RecordingListener.End end = RecordingListener.ENDS.poll(5, TimeUnit.SECONDS);
            assertThat(end.outcome().status()).isEqualTo(502);
            assertThat(end.outcome().endedBy()).isEqualTo(EndedBy.ERROR);
        }
    }

    @Test
    void aListenerThatCannotLetARequestGoOnRefusesItAndNothingIsForwarded() throws Exception {
        RecordingListener.veto = Refusal.of(ProblemType.INTERNAL_ERROR, "The audit trail cannot record this.");
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of(), LISTENING)) {
            HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(
                            URI.create(gw.mountUrl() + "/ws_1/v1/health"))
                    .header("Authorization", "Bearer " + GatewayServer.APP_TOKEN).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(500);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(up.nextRequest(300, TimeUnit.MILLISECONDS)).isNull();
            assertThat(RecordingListener.ENDS.poll(300, TimeUnit.MILLISECONDS)).isNull();
        }
    }
}
