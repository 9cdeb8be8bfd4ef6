package dev.sandboxgate.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.WorkspaceRole;
import dev.sandboxgate.filter.authz.TarBuilder;
import dev.sandboxgate.proxy.GatewayServer;
import dev.sandboxgate.proxy.RawClient;
import dev.sandboxgate.proxy.RoleTokenAuthenticator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code upload-batch} through the gateway to the real Sandbox Agent server, which runs on this machine: its
 * filesystem is checked on disk. Archives with a forbidden entry are refused and nothing is written anywhere (the
 * sandbox receives no whole archive, so it unpacks none of it); a benign archive is unpacked; and the same symbolic-link
 * archive sent straight to the sandbox does write outside the target, so these tests guard a real hole.
 */
class ArchiveUploadIT {
    private static final String MEMBER = "Authorization: Bearer "
            + RoleTokenAuthenticator.token(WorkspaceRole.MEMBER, "ws_1");

    @RegisterExtension
    @Order(1)
    static final PerClass<SandboxAgentServer> sandbox = PerClass.start(SandboxAgentServer::start);
    @RegisterExtension
    @Order(2)
    static final PerClass<GatewayServer> gateway = PerClass.start(() -> GatewayServer.start(sandbox.get().url(),
            Map.of("sandbox-token", sandbox.get().token()), Map.of(
                    "authenticators", RoleTokenAuthenticator.class.getName(), "fs-root", workspace().toString())));
    private static Path root;
    private static Path outside;

    @BeforeAll
    static void plant() throws Exception {
        root = workspace();
        outside = Files.createDirectories(sandbox.get().scratch().resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "outside the root");
    }

    /** The gateway's {@code fs-root}, in the sandbox's scratch directory. */
    private static Path workspace() throws IOException {
        return Files.createDirectories(sandbox.get().scratch().resolve("workspace"));
    }

    static Stream<Arguments> forbidden() {
        String out = outside.toString();
        return Stream.of(
                Arguments.of("symbolic link, then a file through it",
                        new TarBuilder().symlink("link", out).file("link/pwned.txt", "written outside").build()),
                Arguments.of("hard link to a file outside",
                        new TarBuilder().hardLink("hard", out + "/secret.txt").build()),
                Arguments.of("absolute name", new TarBuilder().file(out + "/pwned.txt", "x").build()),
                Arguments.of("'..' name", new TarBuilder().file("../../outside/pwned.txt", "x").build()),
                Arguments.of("PAX path out", new TarBuilder().pax(Map.of("path", "../../outside/pwned.txt"))
                        .file("innocent.txt", "x").build()),
                Arguments.of("GNU long name out", new TarBuilder().gnuLong('L', "../../outside/pwned.txt")
                        .file("innocent.txt", "x").build()),
                Arguments.of("FIFO", new TarBuilder().file("first.txt", "x").entry('6', "fifo", "", new byte[0])
                        .build()),
                Arguments.of("character device", new TarBuilder().file("first.txt", "x")
                        .entry('3', "tty", "", new byte[0]).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forbidden")
    void aForbiddenEntryLeavesTheSandboxsFilesystemUnchanged(String kind, byte[] archive) throws Exception {
        String before = listing();
        Path target = root.resolve("up-" + Math.abs(kind.hashCode()));

        RawClient.Response response = upload(target, archive);

        assertThat(response.status()).as(kind + ": " + response.bodyText()).isEqualTo(403);
        assertThat(response.first("Content-Type")).isEqualTo("application/problem+json");
        assertThat(response.bodyText()).contains("urn:sandbox-gate:problem:archive-entry-forbidden");
        assertThat(Files.exists(target, LinkOption.NOFOLLOW_LINKS)).as("the target directory was created").isFalse();
        assertThat(listing()).as("files under the sandbox's scratch directory").isEqualTo(before);
    }

    @Test
    void aBenignArchiveIsUnpacked() throws Exception {
        Path target = root.resolve("project");
        byte[] archive = new TarBuilder().directory("src/").file("src/Main.java", "class Main {}")
                .pax(Map.of("path", "docs/" + "long-name-".repeat(12) + ".md")).file("placeholder", "# docs")
                .build();

        RawClient.Response response = upload(target, archive);

        assertThat(response.status()).as(response.bodyText()).isEqualTo(200);
        assertThat(Files.readString(target.resolve("src/Main.java"))).isEqualTo("class Main {}");
        assertThat(Files.readString(target.resolve("docs/" + "long-name-".repeat(12) + ".md"))).isEqualTo("# docs");
    }

    @Test
    void withLinksAllowedLinksInsideTheRootAreUnpackedAndOthersRefused() throws Exception {
        Path target = root.resolve("linked");
        try (GatewayServer linking = GatewayServer.start(sandbox.get().url(),
                Map.of("sandbox-token", sandbox.get().token()),
                Map.of("authenticators", RoleTokenAuthenticator.class.getName(), "fs-root", root.toString(),
                        "archive-links", "inside-root"))) {
            byte[] inside = new TarBuilder().directory("sub").file("sub/f.txt", "shared").symlink("l", "sub")
                    .hardLink("h.txt", target + "/sub/f.txt").build();
            RawClient.Response unpacked = upload(linking, target, inside);
            assertThat(unpacked.status()).as(unpacked.bodyText()).isEqualTo(200);
            assertThat(Files.readSymbolicLink(target.resolve("l"))).isEqualTo(Path.of("sub"));
            assertThat(Files.readString(target.resolve("h.txt"))).isEqualTo("shared");
            assertThat(Files.isSameFile(target.resolve("h.txt"), target.resolve("sub/f.txt"))).isTrue();

            String before = listing();
            Path other = root.resolve("linked-out");
            RawClient.Response refused = upload(linking, other, new TarBuilder()
                    .symlink("out", "../../outside").build());
            assertThat(refused.status()).as(refused.bodyText()).isEqualTo(403);
            assertThat(Files.exists(other, LinkOption.NOFOLLOW_LINKS)).isFalse();
            assertThat(listing()).isEqualTo(before);
        }
    }

    @Test
    void theSandboxAloneWritesThroughALinkSoTheGatewayMust() throws Exception {
        Path target = root.resolve("direct");
        byte[] archive = new TarBuilder().symlink("link", outside.toString())
                .file("link/direct-pwned.txt", "written outside").build();
        java.net.http.HttpResponse<String> direct = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(sandbox.get().url()
                                + "/v1/fs/upload-batch?path=" + target))
                        .header("Authorization", "Bearer " + sandbox.get().token())
                        .header("Content-Type", "application/x-tar")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(archive)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());

        assertThat(direct.statusCode()).isEqualTo(200);
        assertThat(Files.readString(outside.resolve("direct-pwned.txt"))).isEqualTo("written outside");
        Files.delete(outside.resolve("direct-pwned.txt"));
    }

    private static RawClient.Response upload(Path target, byte[] archive) throws IOException {
        return upload(gateway.get(), target, archive);
    }

    private static RawClient.Response upload(GatewayServer through, Path target, byte[] archive) throws IOException {
        return RawClient.exchange(through.baseUrl(), "POST /sandbox/ws_1/v1/fs/upload-batch?path=" + target
                + " HTTP/1.1\r\nHost: gw\r\n" + MEMBER + "\r\nContent-Type: application/x-tar\r\nContent-Length: "
                + archive.length + "\r\nConnection: close", archive);
    }

    /** Every path under the scratch directory (root and outside), with each file's content. */
    private static String listing() throws IOException {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> paths = Files.walk(root.getParent())) {
            for (Path path : paths.sorted().toList()) {
                all.append(path);
                if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                    all.append('=').append(new String(Files.readAllBytes(path), StandardCharsets.UTF_8));
                } else if (Files.isSymbolicLink(path)) {
                    all.append("->").append(Files.readSymbolicLink(path));
                }
                all.append('\n');
            }
        }
        return all.toString();
    }
}
