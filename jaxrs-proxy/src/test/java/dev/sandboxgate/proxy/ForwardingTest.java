package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the sandbox receives: the path, query, method and body the client sent, untouched. */
@ExtendWith(LogLeakGuard.class)
class ForwardingTest {
    private static final String AUTH = "Authorization: Bearer " + GatewayServer.APP_TOKEN;
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @ParameterizedTest
    @ValueSource(strings = {
            "/v1/fs/file?path=/home/user/my%20file.txt",
            "/v1/fs/file?path=%2Fhome%2Fcaf%C3%A9%2Fnotes.md",
            "/v1/fs/entries?path=/a+b&recursive=",
            "/v1/config/mcp?directory=/x&directory=/y&mcpName=a%26b%3Dc",
            "/v1/acp/sdk-mock-1?agent=mock&flag&since=%25&next=%3F%23",
            "/v1/fs/caf%C3%A9/a%20b/c+d/%7Euser",
            "/v1/processes/p-1/logs?follow=true&since=0&tail=&tail=",
            "/v1/a;x=1/b?q=%E2%9C%93",
            "/"})
    void forwardsPathAndQueryByteForByte(String rest) throws Exception {
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            RawClient.Response response = RawClient.exchange(gw.baseUrl(),
                    "GET /sandbox/ws_1" + rest + " HTTP/1.1\r\nHost: gw\r\n" + AUTH + "\r\nConnection: close", null);

            assertThat(response.status()).isEqualTo(200);
            RawUpstream.Head head = up.nextRequest(5, TimeUnit.SECONDS);
            assertThat(head.requestLine()).isEqualTo("GET " + rest + " HTTP/1.1");
        }
    }

    @Test
    void forwardsWorkspaceRootAsSandboxRoot() throws Exception {
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            RawClient.Response response = RawClient.exchange(gw.baseUrl(),
                    "GET /sandbox/ws_1?x=1 HTTP/1.1\r\nHost: gw\r\n" + AUTH + "\r\nConnection: close", null);

            assertThat(response.status()).isEqualTo(200);
            assertThat(up.nextRequest(5, TimeUnit.SECONDS).target()).isEqualTo("/?x=1");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/sandbox/ws.1/v1/health", "/sandbox/", "/sandbox", "/sandbox/ws_%C3%A9/v1/health"})
    void refusesPathWithoutValidWorkspaceAndForwardsNothing(String target) throws Exception {
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            RawClient.Response response = RawClient.exchange(gw.baseUrl(),
                    "GET " + target + " HTTP/1.1\r\nHost: gw\r\n" + AUTH + "\r\nConnection: close", null);

            assertThat(response.status()).isEqualTo(400);
            assertThat(response.first("Content-Type")).startsWith("application/problem+json");
            assertThat(response.bodyText()).contains("\"type\":\"urn:sandbox-gate:problem:bad-path\"");
            assertThat(up.nextRequest(200, TimeUnit.MILLISECONDS)).isNull();
            assertThat(up.connectionCount()).isZero();
        }
    }

    @Test
    void refusesQueryTheSandboxUrlCannotCarryAndForwardsNothing() throws Exception {
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            // The container lets a raw '|' through; java.net.URI refuses it, so it cannot go on unchanged.
            RawClient.Response response = RawClient.exchange(gw.baseUrl(),
                    "GET /sandbox/ws_1/v1/fs/file?path=/a|b HTTP/1.1\r\nHost: gw\r\n" + AUTH + "\r\nConnection: close",
                    null);

            assertThat(response.status()).isEqualTo(400);
            assertThat(response.first("Content-Type")).startsWith("application/problem+json");
            assertThat(response.bodyText()).contains("\"type\":\"urn:sandbox-gate:problem:bad-request\"");
            assertThat(up.connectionCount()).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
    void forwardsEveryMethodWithItsBody(String method) throws Exception {
        boolean withBody = method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
        byte[] sent = withBody ? randomBytes(300 * 1024 + 7, method.hashCode()) : new byte[0];
        BlockingQueue<RawUpstream.Body> bodies = new LinkedBlockingQueue<>();
        try (RawUpstream up = new RawUpstream((head, in, out) -> {
            bodies.add(RawUpstream.readBody(head, in));
            if (head.requestLine().startsWith("HEAD ")) {
                RawUpstream.writeHead(out, 200, "Content-Type: text/plain", "Content-Length: 4", "Connection: close");
            } else {
                RawUpstream.respond(out, 200, "text/plain", "done".getBytes(StandardCharsets.UTF_8));
            }
        }); GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(gw.mountUrl() + "/ws_1/v1/fs/file?path=/f"))
                    .header("Authorization", "Bearer " + GatewayServer.APP_TOKEN)
                    .method(method, withBody ? HttpRequest.BodyPublishers.ofByteArray(sent)
                            : HttpRequest.BodyPublishers.noBody())
                    .build();

            HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo(method.equals("HEAD") ? "" : "done");
            assertThat(response.headers().firstValueAsLong("content-length")).hasValue(4);
            RawUpstream.Head head = up.nextRequest(5, TimeUnit.SECONDS);
            assertThat(head.requestLine()).isEqualTo(method + " /v1/fs/file?path=/f HTTP/1.1");
            RawUpstream.Body received = bodies.poll(5, TimeUnit.SECONDS);
            assertThat(received.complete()).isTrue();
            assertThat(sha256(received.bytes())).isEqualTo(sha256(sent));
        }
    }

    @Test
    void streamsChunkedRequestBodyAsItArrives() throws Exception {
        byte[] first = randomBytes(40_000, 1);
        byte[] second = randomBytes(70_000, 2);
        CountDownLatch firstChunkUpstream = new CountDownLatch(1);
        BlockingQueue<byte[]> bodies = new LinkedBlockingQueue<>();
        try (RawUpstream up = new RawUpstream((head, in, out) -> {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            boolean complete = RawUpstream.readChunks(in, body, () -> {
                if (body.size() >= first.length) {
                    firstChunkUpstream.countDown();
                }
            });
            bodies.add(complete ? body.toByteArray() : new byte[0]);
            RawUpstream.respond(out, 201, "text/plain", "stored".getBytes(StandardCharsets.UTF_8));
        }); GatewayServer gw = GatewayServer.start(up.url(), Map.of());
             RawClient.Connection client = RawClient.open(gw.baseUrl(), 0)) {
            client.send("PUT /sandbox/ws_1/v1/fs/file?path=/big HTTP/1.1\r\nHost: gw\r\n" + AUTH
                    + "\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\nConnection: close");
            client.sendChunk(first);

            // The first part reaches the sandbox while the client still holds back the rest: streamed, not buffered.
            assertThat(firstChunkUpstream.await(5, TimeUnit.SECONDS)).isTrue();
            client.sendChunk(second);
            client.sendLastChunk();
            RawClient.Response response = client.readResponse(false);

            assertThat(response.status()).isEqualTo(201);
            assertThat(response.bodyText()).isEqualTo("stored");
            RawUpstream.Head head = up.nextRequest(5, TimeUnit.SECONDS);
            assertThat(head.first("content-length")).isNull();
            assertThat(head.first("transfer-encoding")).isEqualTo("chunked");
            assertThat(head.first("content-type")).isEqualTo("application/octet-stream");
            byte[] expected = new byte[first.length + second.length];
            System.arraycopy(first, 0, expected, 0, first.length);
            System.arraycopy(second, 0, expected, first.length, second.length);
            assertThat(sha256(bodies.poll(5, TimeUnit.SECONDS))).isEqualTo(sha256(expected));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"TRACE", "PROPFIND", "MKCOL"})
    void refusesUnsupportedMethodWithoutForwarding(String method) throws Exception {
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            RawClient.Response response = RawClient.exchange(gw.baseUrl(),
                    method + " /sandbox/ws_1/v1/fs/entries HTTP/1.1\r\nHost: gw\r\n" + AUTH
                            + "\r\nConnection: close", null);

            assertThat(response.status()).isEqualTo(405);
            assertThat(response.first("Content-Type")).startsWith("application/problem+json");
            assertThat(response.bodyText()).contains("\"type\":\"urn:sandbox-gate:problem:method-not-allowed\"");
            assertThat(response.first("Allow")).contains("GET", "PATCH", "OPTIONS").doesNotContain(method);
            assertThat(up.nextRequest(200, TimeUnit.MILLISECONDS)).isNull();
            assertThat(up.connectionCount()).isZero();
        }
    }

    static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
