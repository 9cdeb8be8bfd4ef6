package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.ExchangeOutcome.EndedBy;
import dev.sandboxgate.filter.ProblemType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Undeploying the gateway (the launcher does it on SIGTERM) drains it: event streams end cleanly at once, requests
 * under way finish within {@code shutdown-grace} or are answered 503, and every exchange reports its end once.
 */
@ExtendWith(LogLeakGuard.class)
class DrainTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void reset() {
        RecordingListener.reset();
    }

    @Test
    void endsStreamsCleanlyAndLetsARequestUnderWayFinishWithinTheGrace() throws Exception {
        CountDownLatch postArrived = new CountDownLatch(1);
        try (RawUpstream up = new RawUpstream((head, in, out) -> {
            if (head.requestLine().startsWith("GET ")) {
                RawUpstream.writeHead(out, 200, "Content-Type: text/event-stream", "Transfer-Encoding: chunked");
                for (int id = 1; ; id++) { // like Sandbox Agent's: never ends by itself
                    RawUpstream.writeChunk(out, ("id: " + id + "\ndata: {}\n\n").getBytes(StandardCharsets.UTF_8));
                    Thread.sleep(100);
                }
            }
            RawUpstream.readBody(head, in);
            postArrived.countDown();
            Thread.sleep(1_500); // an agent turn that ends within the grace period
            RawUpstream.respond(out, 200, "application/json", "{\"result\":{}}".getBytes(StandardCharsets.UTF_8));
        }); GatewayServer gw = GatewayServer.start(up.url(), Map.of(), Map.of("authorization", "off",
                "shutdown-grace", "20s", "gate-listeners", RecordingListener.class.getName()))) {
            HttpResponse<Stream<String>> stream = CLIENT.send(request(gw, "GET").header("Accept", "text/event-stream")
                    .build(), HttpResponse.BodyHandlers.ofLines());
            assertThat(stream.statusCode()).isEqualTo(200);
            CompletableFuture<HttpResponse<String>> post = CLIENT.sendAsync(request(gw, "POST")
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(postArrived.await(10, TimeUnit.SECONDS)).isTrue();
            Iterator<String> lines = stream.body().iterator();
            List<String> events = new ArrayList<>();
            while (events.isEmpty() && lines.hasNext()) { // the stream is flowing before the shutdown begins
                String line = lines.next();
                if (line.startsWith("id: ")) {
                    events.add(line);
                }
            }
            assertThat(events).as("an event before the shutdown").isNotEmpty();

            CompletableFuture<Void> undeployed = CompletableFuture.runAsync(() -> {
                try {
                    gw.undeploy();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            lines.forEachRemaining(line -> { // ends, without an exception: a clean end of the stream
                if (line.startsWith("id: ")) {
                    events.add(line);
                }
            });

            HttpResponse<String> late = CLIENT.send(request(gw, "GET").build(), HttpResponse.BodyHandlers.ofString());

            assertThat(late.statusCode()).as("a request while draining").isEqualTo(503);
            assertThat(late.headers().firstValue("Retry-After")).hasValue("5");
            assertThat(late.body()).contains(ProblemType.SHUTTING_DOWN.uri());
            assertThat(post.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            undeployed.get(30, TimeUnit.SECONDS);
            List<RecordingListener.End> ends = new ArrayList<>();
            RecordingListener.ENDS.drainTo(ends);
            assertThat(ends).as("the stream and the POST end once each; the refused request was decided only")
                    .hasSize(2);
            assertThat(ends).extracting(end -> end.outcome().endedBy())
                    .containsExactlyInAnyOrder(EndedBy.GATEWAY, EndedBy.UPSTREAM);
        }
    }

    @Test
    void answersARequestStillWaitingAtTheEndOfTheGrace503() throws Exception {
        CountDownLatch postArrived = new CountDownLatch(1);
        try (RawUpstream up = new RawUpstream((head, in, out) -> {
            RawUpstream.readBody(head, in);
            postArrived.countDown();
            RawUpstream.current().awaitPeerClose(in); // an agent turn longer than the grace period
        }); GatewayServer gw = GatewayServer.start(up.url(), Map.of(), Map.of("authorization", "off",
                "shutdown-grace", "1s", "gate-listeners", RecordingListener.class.getName()))) {
            CompletableFuture<HttpResponse<String>> post = CLIENT.sendAsync(request(gw, "POST")
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(postArrived.await(10, TimeUnit.SECONDS)).isTrue();

            gw.undeploy();

            HttpResponse<String> response = post.get(10, TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).hasValue("5");
            assertThat(response.body()).contains(ProblemType.SHUTTING_DOWN.uri());
            assertThat(up.nextClose(10, TimeUnit.SECONDS)).as("the upstream request is closed").isNotNull();
            RecordingListener.End end = RecordingListener.ENDS.poll(5, TimeUnit.SECONDS);
            assertThat(end.outcome().status()).isEqualTo(503);
            assertThat(RecordingListener.ENDS.poll(200, TimeUnit.MILLISECONDS)).isNull();
        }
    }

    private static HttpRequest.Builder request(GatewayServer gw, String method) {
        return HttpRequest.newBuilder(URI.create(gw.mountUrl() + "/ws_1/v1/acp/s1" + (method.equals("POST")
                ? "?agent=mock" : ""))).header("Authorization", "Bearer " + GatewayServer.APP_TOKEN)
                .header("Content-Type", "application/json");
    }
}
