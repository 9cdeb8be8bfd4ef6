package dev.sandboxgate.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.proxy.RawUpstream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A 1 GiB file read streams through a gateway whose heap is capped at 128 MiB, intact. The real Sandbox Agent cannot
 * be made to serve 1 GiB quickly here, so a scripted upstream in this JVM serves it (and hashes what it sent).
 */
class LargeResponseIT {
    private static final long ONE_GIB = 1L << 30;
    private static final int BLOCK = 64 * 1024;

    @Test
    void oneGibibyteStreamsThroughA128MibHeapIntact() throws Exception {
        AtomicReference<String> sentHash = new AtomicReference<>();
        try (RawUpstream upstream = new RawUpstream((head, in, out) -> sentHash.set(serve(out)));
             GatewayProcess gateway = GatewayProcess.start(upstream.url(), "large-it-sandbox-token",
                     "large-it-app-token", List.of("-Xmx128m"))) {
            HttpResponse<InputStream> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(gateway.baseUrl("ws_big") + "/v1/fs/file?path=/big.bin"))
                            .header("Authorization", "Bearer large-it-app-token").build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            MessageDigest received = MessageDigest.getInstance("SHA-256");
            long total = 0;
            try (InputStream body = response.body()) {
                byte[] buffer = new byte[BLOCK];
                int n;
                while ((n = body.read(buffer)) > 0) {
                    received.update(buffer, 0, n);
                    total += n;
                }
            }
            assertThat(total).isEqualTo(ONE_GIB);
            assertThat(HexFormat.of().formatHex(received.digest())).isEqualTo(sentHash.get());
            assertThat(gateway.output()).doesNotContain("OutOfMemoryError").doesNotContain("large-it-sandbox-token");
        }
    }

    /** Writes 1 GiB of pseudo-random blocks, each stamped with its index; returns the SHA-256 of what was sent. */
    private static String serve(OutputStream out) throws java.io.IOException {
        RawUpstream.writeHead(out, 200, "Content-Type: application/octet-stream", "Content-Length: " + ONE_GIB);
        byte[] block = new byte[BLOCK];
        new Random(42).nextBytes(block);
        MessageDigest sent = sha256();
        for (long i = 0; i < ONE_GIB / BLOCK; i++) {
            ByteBuffer.wrap(block).putLong(0, i);
            sent.update(block);
            out.write(block);
        }
        out.flush();
        return HexFormat.of().formatHex(sent.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
