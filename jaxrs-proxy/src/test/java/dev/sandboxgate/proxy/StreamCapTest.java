package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The cap on open event streams, through the real proxy: a stream holds its slot while it is open, and a client that
 * goes away gives it back, so the next stream is let through.
 */
@ExtendWith(LogLeakGuard.class)
class StreamCapTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static HttpResponse<InputStream> openStream(GatewayServer gw) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(gw.mountUrl() + "/ws_1/v1/acp/s1"))
                .header("Authorization", "Bearer " + GatewayServer.APP_TOKEN)
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    @Test
    void aStreamSlotIsFreedWhenTheClientDisconnects() throws Exception {
        try (RawUpstream up = RawUpstream.endlessEvents(1200);
             GatewayServer gw = GatewayServer.start(up.url(), Map.of(), Map.of("max-streams-per-subject", "1"))) {
            HttpResponse<InputStream> first = openStream(gw);
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(first.body().read(new byte[16])).isPositive();
            assertThat(up.nextRequest(5, TimeUnit.SECONDS)).isNotNull();

            HttpResponse<InputStream> second = openStream(gw);
            assertThat(second.statusCode()).isEqualTo(429);
            String problem = new String(second.body().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(problem).contains("urn:sandbox-gate:problem:concurrency-limited");
            assertThat(up.nextRequest(300, TimeUnit.MILLISECONDS)).as("nothing forwarded").isNull();

            first.body().close();
            assertThat(up.nextClose(10, TimeUnit.SECONDS)).as("the gateway let go of the upstream").isNotNull();

            // The exchange ends as the relay sees the client gone, on another thread: ask until it has (bounded).
            HttpResponse<InputStream> third = openStream(gw);
            for (int attempt = 0; attempt < 50 && third.statusCode() == 429; attempt++) {
                third.body().close();
                Thread.sleep(100);
                third = openStream(gw);
            }
            assertThat(third.statusCode()).isEqualTo(200);
            assertThat(third.body().read(new byte[16])).isPositive();
            third.body().close();
        }
    }

    @Test
    void otherRequestsAreNotCountedAsStreams() throws Exception {
        try (RawUpstream up = RawUpstream.endlessEvents(1200);
             GatewayServer gw = GatewayServer.start(up.url(), Map.of(), Map.of("max-streams-per-subject", "1"))) {
            HttpResponse<InputStream> stream = openStream(gw);
            assertThat(stream.statusCode()).isEqualTo(200);

            HttpResponse<InputStream> health = CLIENT.send(HttpRequest.newBuilder(
                            URI.create(gw.mountUrl() + "/ws_1/v1/health"))
                    .header("Authorization", "Bearer " + GatewayServer.APP_TOKEN).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(health.statusCode()).isEqualTo(200);
            health.body().close();
            stream.body().close();
        }
    }
}
