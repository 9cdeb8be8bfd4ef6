package dev.sandboxgate.filter.authz;

import dev.sandboxgate.filter.Refusal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What inspecting an {@code upload-batch} archive costs the proxy: one 2 MiB archive (the sandbox's own body limit),
 * written by GNU tar in POSIX format (a PAX header per entry), 64 files of 32 KiB in 8 directories, shown to a fresh
 * {@link TarInspector} in the 16 KiB chunks the proxy reads, then judged whole. In this package because the inspector
 * is package-private. Run: {@code java -jar benchmarks/target/benchmarks.jar ArchiveInspection} (see BENCHMARKS.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ArchiveInspectionBenchmark {
    private static final TarInspector.Limits LIMITS = new TarInspector.Limits(10_000, 64L << 20, false);

    private final List<ByteBuffer> chunks = new ArrayList<>();

    @Setup
    public void writeArchive() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("archive-benchmark");
        byte[] content = new byte[32 * 1024];
        java.util.Arrays.fill(content, (byte) 'x');
        for (int d = 0; d < 8; d++) {
            Path sub = Files.createDirectories(dir.resolve("tree/project/module-" + d + "/src"));
            for (int f = 0; f < 8; f++) {
                Files.write(sub.resolve("File" + f + ".java"), content);
            }
        }
        Path archive = dir.resolve("upload.tar");
        Process tar = new ProcessBuilder("tar", "--format=posix", "-cf", archive.toString(), "-C",
                dir.resolve("tree").toString(), "project").inheritIO().start();
        if (tar.waitFor() != 0) {
            throw new IOException("tar failed");
        }
        byte[] bytes = Files.readAllBytes(archive);
        for (int at = 0; at < bytes.length; at += 16 * 1024) {
            chunks.add(ByteBuffer.wrap(bytes, at, Math.min(16 * 1024, bytes.length - at)).asReadOnlyBuffer());
        }
    }

    @Benchmark
    public Refusal inspect2MiB() {
        TarInspector inspector = new TarInspector("/workspace", "/workspace/upload", LIMITS);
        for (ByteBuffer chunk : chunks) {
            Refusal refusal = inspector.inspect(chunk);
            if (refusal != null) {
                throw new IllegalStateException(refusal.detail());
            }
        }
        return inspector.finish();
    }
}
