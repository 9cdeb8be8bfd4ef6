package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Responses flow through as they are produced: events are not held back, large bodies not held in memory. */
@ExtendWith(LogLeakGuard.class)
class StreamingTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final long EVENT_GAP_MS = 300;

    @Test
    void relaysEachServerSentEventAsItIsWritten() throws Exception {
        int events = 5;
        List<Long> written = new CopyOnWriteArrayList<>();
        try (RawUpstream up = new RawUpstream((head, in, out) -> {
            RawUpstream.writeHead(out, 200, "Content-Type: text/event-stream", "Cache-Control: no-cache",
                    "Transfer-Encoding: chunked", "Connection: close");
            for (int i = 1; i <= events; i++) {
                Thread.sleep(EVENT_GAP_MS);
                written.add(System.nanoTime());
                RawUpstream.writeChunk(out, ("event: message\nid: " + i + "\ndata: {\"n\":" + i + "}\n\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            RawUpstream.writeLastChunk(out);
        }); GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(gw.mountUrl() + "/ws_1/v1/acp/s1"))
                    .header("Authorization", "Bearer " + GatewayServer.APP_TOKEN)
                    .header("Accept", "text/event-stream")
                    .build();

            HttpResponse<Stream<String>> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofLines());
            long headersAt = System.nanoTime();
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream");
            List<Long> received = new ArrayList<>();
            List<String> data = new ArrayList<>();
            try (Stream<String> lines = response.body()) {
                lines.filter(line -> line.startsWith("data: ")).forEach(line -> {
                    received.add(System.nanoTime());
                    data.add(line);
                });
            }

            assertThat(data).containsExactly("data: {\"n\":1}", "data: {\"n\":2}", "data: {\"n\":3}",
                    "data: {\"n\":4}", "data: {\"n\":5}");
            assertThat(headersAt).as("headers arrive before the first event is written").isLessThan(written.get(0));
            List<Long> gaps = new ArrayList<>();
            List<Long> delays = new ArrayList<>();
            for (int i = 0; i < events; i++) {
                delays.add(TimeUnit.NANOSECONDS.toMillis(received.get(i) - written.get(i)));
                if (i > 0) {
                    gaps.add(TimeUnit.NANOSECONDS.toMillis(received.get(i) - received.get(i - 1)));
                }
            }
            System.out.printf("SSE: gaps between events at the client %s ms; write-to-receive delays %s ms%n",
                    gaps, delays);
            assertThat(gaps).allSatisfy(gap -> assertThat(gap).isGreaterThanOrEqualTo(250L));
            assertThat(delays).allSatisfy(delay -> assertThat(delay).isLessThan(200L));
        }
    }

    @Test
    void relaysLargeResponseIntactUnderBackPressure() throws Exception {
        long size = 64L << 20;
        CompletableFuture<String> upstreamDigest = new CompletableFuture<>();
        try (RawUpstream up = new RawUpstream((head, in, out) -> {
            try {
                RawUpstream.writeHead(out, 200, "Content-Type: application/octet-stream",
                        "Content-Length: " + size, "Connection: close");
                upstreamDigest.complete(writePseudoRandom(out, size, 7));
            } catch (IOException e) {
                upstreamDigest.completeExceptionally(e);
                throw e;
            }
        }); GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(gw.mountUrl() + "/ws_1/v1/fs/file?path=/big"))
                    .header("Authorization", "Bearer " + GatewayServer.APP_TOKEN)
                    .build();

            HttpResponse<InputStream> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValueAsLong("content-length")).hasValue(size);
            MessageDigest digest = sha256();
            long total = 0;
            try (InputStream body = response.body()) {
                byte[] buffer = new byte[64 * 1024];
                int n;
                while ((n = body.read(buffer)) >= 0) {
                    digest.update(buffer, 0, n);
                    total += n;
                }
            }

            assertThat(total).isEqualTo(size);
            assertThat(HexFormat.of().formatHex(digest.digest()))
                    .isEqualTo(upstreamDigest.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void stopsReadingSandboxWhileClientIsNotReading() throws Exception {
        long size = 256L << 20;
        AtomicLong upstreamWrote = new AtomicLong();
        try (RawUpstream up = new RawUpstream((head, in, out) -> {
            RawUpstream.writeHead(out, 200, "Content-Type: application/octet-stream",
                    "Content-Length: " + size, "Connection: close");
            byte[] block = new byte[64 * 1024];
            for (long sent = 0; sent < size; sent += block.length) {
                out.write(block);
                upstreamWrote.addAndGet(block.length);
            }
        }); GatewayServer gw = GatewayServer.start(up.url(), Map.of());
             RawClient.Connection client = RawClient.open(gw.baseUrl(), 64 * 1024)) {
            client.send("GET /sandbox/ws_1/v1/fs/file?path=/huge HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer "
                    + GatewayServer.APP_TOKEN + "\r\nConnection: close");
            assertThat(client.readHead().status()).isEqualTo(200);

            // The client reads nothing more: the upstream must come to a stop, not be drained into the heap.
            long stalledAt = awaitStall(upstreamWrote);
            System.out.printf("back-pressure: upstream stalled after %d KiB of %d MiB%n",
                    stalledAt >> 10, size >> 20);
            assertThat(stalledAt).isLessThan(32L << 20);

            // And it resumes when the client reads again.
            client.input().readNBytes(8 << 20);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (upstreamWrote.get() <= stalledAt && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(upstreamWrote.get()).isGreaterThan(stalledAt);
        }
    }

    /** Waits until the count stops growing for 500 ms (at most 10 s) and returns it. */
    private static long awaitStall(AtomicLong counter) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long last = -1;
        while (System.nanoTime() < deadline) {
            long now = counter.get();
            if (now == last && now > 0) {
                return now;
            }
            last = now;
            Thread.sleep(500);
        }
        throw new AssertionError("the upstream never stalled: " + counter.get() + " bytes written");
    }

    /** Writes {@code size} bytes from a seeded generator and returns their SHA-256. */
    static String writePseudoRandom(OutputStream out, long size, long seed) throws IOException {
        MessageDigest digest = sha256();
        Random random = new Random(seed);
        byte[] block = new byte[64 * 1024];
        for (long sent = 0; sent < size; sent += block.length) {
            random.nextBytes(block);
            int n = (int) Math.min(block.length, size - sent);
            digest.update(block, 0, n);
            out.write(block, 0, n);
        }
        out.flush();
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
