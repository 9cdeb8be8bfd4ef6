package dev.sandboxgate.filter.authz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.ProblemType;
import dev.sandboxgate.filter.Refusal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The archive reader on its own: the same verdict however the body is cut into chunks (a header or a PAX record split
 * anywhere), archives GNU tar writes pass, and the edges of the format the sandbox's reader allows.
 */
class TarInspectorTest {
    private static final TarInspector.Limits LIMITS = new TarInspector.Limits(100, 1 << 20, false);
    private static final TarInspector.Limits WITH_LINKS = new TarInspector.Limits(100, 1 << 20, true);

    /** The verdict on {@code archive} fed in pieces of {@code piece} bytes: null, or the refusal's type. */
    private static ProblemType verdict(byte[] archive, int piece, TarInspector.Limits limits) {
        TarInspector inspector = new TarInspector("/workspace", "/workspace/up", limits);
        for (int at = 0; at < archive.length; at += piece) {
            Refusal refusal = inspector.inspect(ByteBuffer.wrap(archive, at, Math.min(piece, archive.length - at)));
            if (refusal != null) {
                return refusal.type();
            }
        }
        Refusal refusal = inspector.finish();
        return refusal == null ? null : refusal.type();
    }

    static Stream<Arguments> archives() {
        return Stream.of(
                Arguments.of("files and directories", new TarBuilder().directory("d/").file("d/a.txt", "a").build(),
                        null),
                Arguments.of("a PAX path inside", new TarBuilder().pax(Map.of("path", "x/" + "p".repeat(200)))
                        .file("placeholder", "x").build(), null),
                Arguments.of("a GNU long name inside", new TarBuilder().format(TarBuilder.Format.GNU)
                        .gnuLong('L', "y/" + "g".repeat(200) + "/" + "h".repeat(200)).file("placeholder", "y").build(), null),
                Arguments.of("a segment longer than 255 bytes", new TarBuilder().gnuLong('L', "g".repeat(256))
                        .file("placeholder", "y").build(), ProblemType.ARCHIVE_INVALID),
                Arguments.of("a PAX path out", new TarBuilder().pax(Map.of("path", "a/../../x"))
                        .file("placeholder", "x").build(), ProblemType.ARCHIVE_ENTRY_FORBIDDEN),
                Arguments.of("a GNU long name out", new TarBuilder().gnuLong('L', "/etc/x").file("p", "x").build(),
                        ProblemType.ARCHIVE_ENTRY_FORBIDDEN),
                Arguments.of("a symbolic link", new TarBuilder().symlink("l", "a").build(),
                        ProblemType.ARCHIVE_ENTRY_FORBIDDEN),
                Arguments.of("data after the end", concat(new TarBuilder().file("a", "x").build(), new byte[] {1}),
                        ProblemType.ARCHIVE_INVALID),
                Arguments.of("a PAX size", new TarBuilder().pax(Map.of("size", "1")).file("a", "x").build(),
                        ProblemType.ARCHIVE_INVALID),
                Arguments.of("a PAX length with a leading zero", new TarBuilder().entry('x', "p", "",
                        "012 path=a\n".getBytes(StandardCharsets.UTF_8)).file("a", "x").build(),
                        ProblemType.ARCHIVE_INVALID),
                Arguments.of("a PAX length past its header", new TarBuilder().entry('x', "p", "",
                        "99 path=a\n".getBytes(StandardCharsets.UTF_8)).file("a", "x").build(),
                        ProblemType.ARCHIVE_INVALID),
                Arguments.of("a UTF-8 name and an unknown PAX key", new TarBuilder().pax(Map.of("comment", "x"))
                        .entry('0', "a\u00e9", "", new byte[0]).build(), null),
                Arguments.of("a NUL in a GNU long name", new TarBuilder().gnuLong('L', "a\0/../../x").file("p", "x")
                        .build(), ProblemType.ARCHIVE_INVALID),
                Arguments.of("a backslash", new TarBuilder().file("a\\..\\..\\x", "x").build(),
                        ProblemType.ARCHIVE_INVALID));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("archives")
    void theVerdictDoesNotDependOnHowTheBodyIsCut(String name, byte[] archive, ProblemType expected) {
        for (int piece : new int[] {archive.length, 1, 7, 100, 511, 512, 513, 4096}) {
            assertThat(verdict(archive, piece, LIMITS)).as(name + " in pieces of " + piece).isEqualTo(expected);
        }
    }

    @Test
    void theEndMayBeZeroPaddingOrMissingButAnEntryMayNotBeCut() {
        byte[] archive = new TarBuilder().file("a", "x").build();
        assertThat(verdict(concat(archive, new byte[10240 - archive.length]), 512, LIMITS)).isNull();
        byte[] noEnd = new TarBuilder().file("a", "x").buildWithoutEnd();
        assertThat(verdict(noEnd, 512, LIMITS)).as("the sandbox's reader ends at EOF between entries").isNull();
        assertThat(verdict(Arrays.copyOf(noEnd, 600), 512, LIMITS)).isEqualTo(ProblemType.ARCHIVE_INVALID);
        assertThat(verdict(Arrays.copyOf(noEnd, 300), 512, LIMITS)).isEqualTo(ProblemType.ARCHIVE_INVALID);
    }

    @Test
    void limitsCountEntriesAndFileBytes() {
        TarInspector.Limits tight = new TarInspector.Limits(2, 10, false);
        assertThat(verdict(new TarBuilder().directory("a").file("b", "0123456789").build(), 512, tight)).isNull();
        assertThat(verdict(new TarBuilder().directory("a").directory("b").directory("c").build(), 512, tight))
                .isEqualTo(ProblemType.PAYLOAD_TOO_LARGE);
        assertThat(verdict(new TarBuilder().file("b", "0123456789x").build(), 512, tight))
                .isEqualTo(ProblemType.PAYLOAD_TOO_LARGE);
    }

    @Test
    void gnuTarsOwnArchivesPass(@TempDir Path dir) throws Exception {
        Path tree = Files.createDirectories(dir.resolve("tree/src/deep/" + "n".repeat(90)));
        Files.writeString(tree.resolve("file.txt"), "hello");
        Files.writeString(dir.resolve("tree/src/Main.java"), "class Main {}");
        for (String format : List.of("gnu", "posix", "ustar")) {
            byte[] archive = gnuTar(dir, format, "src/Main.java", "src/deep");
            assertThat(verdict(archive, 513, LIMITS)).as(format).isNull();
        }
        Files.createSymbolicLink(dir.resolve("tree/src/link"), Path.of("Main.java"));
        for (String format : List.of("gnu", "posix")) {
            byte[] archive = gnuTar(dir, format, "src");
            assertThat(verdict(archive, 513, LIMITS)).as(format + " with a link").isEqualTo(
                    ProblemType.ARCHIVE_ENTRY_FORBIDDEN);
            assertThat(verdict(archive, 513, WITH_LINKS)).as(format + " with a link, links allowed").isNull();
        }
    }

    /** {@code tar -c} of {@code paths} under {@code dir/tree} in {@code format}, as GNU tar writes it. */
    private static byte[] gnuTar(Path dir, String format, String... paths) throws IOException, InterruptedException {
        Path out = dir.resolve("out-" + format + ".tar");
        List<String> command = new java.util.ArrayList<>(List.of("tar", "--format=" + format, "-cf", out.toString(),
                "-C", dir.resolve("tree").toString()));
        command.addAll(List.of(paths));
        Process tar = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(tar.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(tar.exitValue()).as(new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .isZero();
        return Files.readAllBytes(out);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }
}
