package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.WorkspaceRole;
import dev.sandboxgate.filter.authz.TarBuilder;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code upload-batch} archives through the real filter and proxy, in front of a scripted upstream that records every
 * body as it arrived: an archive with a forbidden entry is refused with problem+json, and the upstream never receives
 * a whole body (the sandbox unpacks only a whole one). The real sandbox's side is {@code ArchiveUploadIT}.
 */
@ExtendWith(LogLeakGuard.class)
class ArchiveUploadTest {
    private static final String MEMBER = "Authorization: Bearer "
            + RoleTokenAuthenticator.token(WorkspaceRole.MEMBER, "ws_1");
    private static final String TARGET = "/sandbox/ws_1/v1/fs/upload-batch?path=/workspace/up";

    private static final BlockingQueue<RawUpstream.Body> BODIES = new LinkedBlockingQueue<>();
    private static RawUpstream upstream;
    private static GatewayServer gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = recording();
        gateway = GatewayServer.start(upstream.url(), Map.of(), Map.of("authenticators",
                RoleTokenAuthenticator.class.getName(), "archive-max-entries", "50", "archive-max-size", "256KiB"));
    }

    static RawUpstream recording() throws Exception {
        return new RawUpstream((head, in, out) -> {
            RawUpstream.Body body = RawUpstream.readBody(head, in);
            BODIES.add(body);
            if (body.complete()) {
                RawUpstream.respond(out, 200, "application/json", "{\"paths\":[],\"truncated\":false}"
                        .getBytes(StandardCharsets.UTF_8));
            }
        });
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    static Stream<Arguments> forbidden() throws Exception {
        byte[] big = new byte[40 * 1024];
        Arrays.fill(big, (byte) 'a');
        return Stream.of(
                Arguments.of("absolute name", new TarBuilder().file("/etc/cron.d/x", "x").build(), 403),
                Arguments.of("'..' name", new TarBuilder().file("../x", "x").build(), 403),
                Arguments.of("'..' inside a name", new TarBuilder().file("a/b/../../../x", "x").build(), 403),
                Arguments.of("symbolic link out", new TarBuilder().symlink("l", "/etc").file("l/x", "x").build(), 403),
                Arguments.of("symbolic link in", new TarBuilder().symlink("l", "sub").build(), 403),
                Arguments.of("hard link", new TarBuilder().hardLink("h", "/etc/passwd").build(), 403),
                Arguments.of("character device", new TarBuilder().entry('3', "tty", "", new byte[0]).build(), 403),
                Arguments.of("block device", new TarBuilder().entry('4', "sda", "", new byte[0]).build(), 403),
                Arguments.of("FIFO", new TarBuilder().entry('6', "pipe", "", new byte[0]).build(), 403),
                Arguments.of("PAX path renames an entry out",
                        new TarBuilder().pax(Map.of("path", "../../etc/x")).file("innocent", "x").build(), 403),
                Arguments.of("PAX path makes an entry absolute",
                        new TarBuilder().pax(Map.of("path", "/etc/x")).file("innocent", "x").build(), 403),
                Arguments.of("GNU long name renames an entry out",
                        new TarBuilder().gnuLong('L', "../../../etc/x").file("innocent", "x").build(), 403),
                Arguments.of("GNU long name in a GNU archive", new TarBuilder().format(TarBuilder.Format.GNU)
                        .gnuLong('L', "/etc/x").file("innocent", "x").build(), 403),
                Arguments.of("PAX linkpath on a link", new TarBuilder().pax(Map.of("linkpath", "/etc"))
                        .symlink("l", "inside").build(), 403),
                Arguments.of("GNU long name and PAX path for one entry", new TarBuilder()
                        .gnuLong('L', "a").pax(Map.of("path", "b")).file("c", "x").build(), 400),
                Arguments.of("two PAX headers for one entry", new TarBuilder().pax(Map.of("path", "a"))
                        .pax(Map.of("path", "b")).file("c", "x").build(), 400),
                Arguments.of("PAX size record", new TarBuilder().pax(Map.of("size", "0")).file("a", "x").build(),
                        400),
                Arguments.of("PAX record with a newline", new TarBuilder().entry('x', "p", "",
                        ("25 path=a\n../../../etc/x\n").getBytes(StandardCharsets.UTF_8)).file("a", "x").build(), 400),
                Arguments.of("PAX key twice", new TarBuilder().entry('x', "p", "", (TarBuilder.paxRecord("path", "a")
                        + TarBuilder.paxRecord("path", "../x")).getBytes(StandardCharsets.UTF_8))
                        .file("a", "x").build(), 400),
                Arguments.of("PAX global header", new TarBuilder().entry('g', "g", "",
                        TarBuilder.paxRecord("path", "x").getBytes(StandardCharsets.UTF_8)).file("a", "x").build(),
                        400),
                Arguments.of("GNU sparse file", new TarBuilder().entry('S', "s", "", new byte[0]).build(), 400),
                Arguments.of("old-style header", new TarBuilder().format(TarBuilder.Format.V7).file("a", "x").build(),
                        400),
                Arguments.of("broken checksum", corrupt(new TarBuilder().file("a", "x").build()), 400),
                Arguments.of("gzip-compressed", gzip(new TarBuilder().file("a", "x").build()), 400),
                Arguments.of("data after the end", concat(new TarBuilder().file("a", "x").build(),
                        new TarBuilder().file("/etc/x", "x").build()), 400),
                Arguments.of("truncated in an entry", Arrays.copyOf(new TarBuilder().file("a", "xyz").build(), 700),
                        400),
                Arguments.of("metadata for no entry", new TarBuilder().gnuLong('L', "a").build(), 400),
                Arguments.of("data on a directory", new TarBuilder().entry('5', "d", "", new byte[10]).build(), 400),
                Arguments.of("too many entries", many(51), 413),
                Arguments.of("too many bytes", new TarBuilder().file("a", "x".repeat(300 * 1024)).build(), 413),
                Arguments.of("a symbolic link after 40 KiB of files (refused while streaming)",
                        new TarBuilder().entry('0', "big1", "", big).entry('0', "big2", "", big)
                                .symlink("l", "/etc").build(), 403));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forbidden")
    void anArchiveWithAForbiddenEntryNeverReachesTheSandboxWhole(String kind, byte[] archive, int status)
            throws Exception {
        int before = upstream.requestCount();
        RawClient.Response response = upload(gateway, archive, "application/x-tar");

        assertThat(response.status()).as(kind + ": " + response.bodyText()).isEqualTo(status);
        assertThat(response.first("Content-Type")).isEqualTo("application/problem+json");
        assertThat(response.bodyText()).contains("\"type\":\"urn:sandbox-gate:problem:")
                .contains("nothing was unpacked");
        assertNoWholeBodyArrived(archive.length, before);
    }

    @Test
    void aChunkedUploadIsRefusedBeforeItsLastChunkIsRelayed() throws Exception {
        int before = upstream.requestCount();
        byte[] archive = new TarBuilder().file("a", "x".repeat(20_000)).symlink("l", "/etc").build();
        try (RawClient.Connection client = RawClient.open(gateway.baseUrl(), 0)) {
            client.send("POST " + TARGET + " HTTP/1.1\r\nHost: gw\r\n" + MEMBER
                    + "\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\nConnection: close");
            for (int at = 0; at < archive.length; at += 4096) {
                client.sendChunk(Arrays.copyOfRange(archive, at, Math.min(archive.length, at + 4096)));
            }
            client.sendLastChunk();
            RawClient.Response response = client.readResponse(false);

            assertThat(response.status()).isEqualTo(403);
            assertThat(response.bodyText()).contains("urn:sandbox-gate:problem:archive-entry-forbidden");
        }
        assertNoWholeBodyArrived(archive.length, before);
    }

    @Test
    void aBenignArchiveIsRelayedByteForByte() throws Exception {
        Map<String, String> longPath = new LinkedHashMap<>();
        longPath.put("path", "deep/" + "d".repeat(120) + "/file.txt");
        longPath.put("mtime", "1700000000.5");
        byte[] big = new byte[100 * 1024];
        Arrays.fill(big, (byte) 'b');
        byte[] archive = new TarBuilder().directory("./").directory("src/").file("./src/Main.java", "class Main {}")
                .pax(longPath).file("placeholder", "long")
                .gnuLong('L', "gnu/" + "g".repeat(150)).file("placeholder2", "gnu")
                .file("src/" + "n".repeat(90) + "/" + "m".repeat(60), "ustar prefix")
                .entry('0', "big.bin", "", big).build();

        RawClient.Response response = upload(gateway, archive, "application/x-tar");

        assertThat(response.status()).as(response.bodyText()).isEqualTo(200);
        RawUpstream.Body body = BODIES.poll(5, TimeUnit.SECONDS);
        assertThat(body.complete()).isTrue();
        assertThat(body.bytes()).isEqualTo(archive);
    }

    @Test
    void linksInsideTheRootPassWhenAllowed() throws Exception {
        try (GatewayServer gw = GatewayServer.start(upstream.url(), Map.of(), Map.of("authenticators",
                RoleTokenAuthenticator.class.getName(), "archive-links", "inside-root"))) {
            byte[] inside = new TarBuilder().directory("sub").symlink("l", "sub").symlink("sub/up", "../..")
                    .symlink("abs", "/workspace/other").hardLink("h", "/workspace/up/sub/f").build();
            assertThat(upload(gw, inside, "application/x-tar").status()).isEqualTo(200);
            RawUpstream.Body body = BODIES.poll(5, TimeUnit.SECONDS);
            assertThat(body.complete()).isTrue();
            assertThat(body.bytes()).isEqualTo(inside);

            for (byte[] outside : new byte[][] {
                    new TarBuilder().symlink("l", "../../etc").build(),
                    new TarBuilder().symlink("l", "/etc").build(),
                    new TarBuilder().symlink("l", "sub/../../..").build(),
                    new TarBuilder().symlink("l", "sub").file("l/x", "through the link").build(),
                    new TarBuilder().symlink("l", "sub").symlink("l2", "l/x").build(),
                    new TarBuilder().hardLink("h", "relative/to/the/sandbox/cwd").build(),
                    new TarBuilder().hardLink("h", "/etc/shadow").build()}) {
                int before = upstream.requestCount();
                RawClient.Response refused = upload(gw, outside, "application/x-tar");
                assertThat(refused.status()).as(refused.bodyText()).isEqualTo(403);
                assertThat(refused.bodyText()).contains("urn:sandbox-gate:problem:archive-entry-forbidden");
                assertNoWholeBodyArrived(outside.length, before);
            }
        }
    }

    @Test
    void anUploadMustBeAnUncompressedTar() throws Exception {
        byte[] archive = new TarBuilder().file("a", "x").build();
        int before = upstream.connectionCount();
        assertThat(upload(gateway, archive, "application/octet-stream").status()).isEqualTo(400);
        assertThat(upload(gateway, archive, "application/x-tarx").status()).isEqualTo(400);
        RawClient.Response encoded = RawClient.exchange(gateway.baseUrl(), "POST " + TARGET + " HTTP/1.1\r\nHost: gw\r\n"
                + MEMBER + "\r\nContent-Type: application/x-tar\r\nContent-Encoding: gzip\r\nContent-Length: "
                + archive.length + "\r\nConnection: close", archive);
        assertThat(encoded.status()).isEqualTo(400);
        assertThat(upstream.connectionCount()).as("requests that reached the sandbox").isEqualTo(before);
    }

    @Test
    void anUploadWithoutATargetDirectoryIsRefused() throws Exception {
        int before = upstream.connectionCount();
        byte[] archive = new TarBuilder().file("a", "x").build();
        RawClient.Response response = RawClient.exchange(gateway.baseUrl(), "POST /sandbox/ws_1/v1/fs/upload-batch "
                + "HTTP/1.1\r\nHost: gw\r\n" + MEMBER + "\r\nContent-Type: application/x-tar\r\nContent-Length: "
                + archive.length + "\r\nConnection: close", archive);
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.bodyText()).contains("fs-path-invalid");
        assertThat(upstream.connectionCount()).isEqualTo(before);
    }

    static RawClient.Response upload(GatewayServer gw, byte[] archive, String type) throws Exception {
        return RawClient.exchange(gw.baseUrl(), "POST " + TARGET + " HTTP/1.1\r\nHost: gw\r\n" + MEMBER
                + "\r\nContent-Type: " + type + "\r\nContent-Length: " + archive.length + "\r\nConnection: close",
                archive);
    }

    /**
     * The upstream saw either no request or a body that broke off before its end. The HTTP client opens the
     * connection before it has the body, and sends the head with the first chunk of it, so a refused body leaves
     * either an opened connection with no request on it or a broken-off body upstream.
     */
    private static void assertNoWholeBodyArrived(int length, int requestsBefore) throws Exception {
        RawUpstream.Body body = BODIES.poll(5, TimeUnit.SECONDS);
        if (body == null) {
            assertThat(upstream.requestCount()).as("requests that reached the sandbox").isEqualTo(requestsBefore);
            return;
        }
        assertThat(body.complete()).as("the sandbox received the whole archive").isFalse();
        assertThat(body.bytes().length).isLessThan(length);
        assertThat(BODIES.poll(0, TimeUnit.MILLISECONDS)).isNull();
    }

    private static byte[] many(int entries) {
        TarBuilder tar = new TarBuilder();
        for (int i = 0; i < entries; i++) {
            tar.directory("d" + i);
        }
        return tar.build();
    }

    private static byte[] corrupt(byte[] archive) {
        byte[] copy = archive.clone();
        copy[0] ^= 1;
        return copy;
    }

    private static byte[] gzip(byte[] bytes) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }
}
