package dev.sandboxgate.filter.audit;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One sink's spool: a local file of JSON lines that takes that sink's records, in order, while the sink fails, and
 * gives them back in the same order once it recovers. Each append is forced to disk before the records count as
 * kept. A spool left over from a previous run is replayed first.
 */
final class Spool {
    private static final System.Logger LOG = System.getLogger(Spool.class.getName());
    private static final int REPLAY_BATCH = 500;

    private final Path file;

    Spool(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    boolean isEmpty() {
        try {
            return !Files.exists(file) || Files.size(file) == 0;
        } catch (IOException e) {
            return false;
        }
    }

    void append(List<AuditRecord> records) throws IOException {
        StringBuilder lines = new StringBuilder(records.size() * 512);
        for (AuditRecord record : records) {
            lines.append(record.toJson()).append('\n');
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer bytes = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(false);
        }
    }

    /**
     * Writes every spooled record to {@code sink} in order, then empties the spool; returns how many. A last line cut
     * short (the gateway died while appending it) is reported and skipped; anything else unreadable stops the replay.
     */
    long replayInto(AuditSink sink) throws Exception {
        long replayed = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            List<AuditRecord> batch = new ArrayList<>(REPLAY_BATCH);
            String next = in.readLine();
            for (String line = next; line != null; line = next) {
                next = in.readLine();
                if (line.isEmpty()) {
                    continue;
                }
                AuditRecord record;
                try {
                    record = AuditRecord.fromJson(line);
                } catch (AuditRecord.Unreadable torn) {
                    if (next != null) {
                        throw torn;
                    }
                    LOG.log(System.Logger.Level.ERROR, "audit spool {0}: its last line is cut short (the gateway "
                            + "stopped while writing it); that record is lost", file);
                    break;
                }
                batch.add(record);
                if (batch.size() == REPLAY_BATCH) {
                    sink.write(batch);
                    replayed += batch.size();
                    batch.clear();
                }
            }
            if (!batch.isEmpty()) {
                sink.write(batch);
                replayed += batch.size();
            }
        }
        Files.delete(file);
        return replayed;
    }

    /** The newest readable spooled record (the spool holds records newer than its sink's), if any. */
    Optional<AuditRecord> last() throws IOException {
        if (isEmpty()) {
            return Optional.empty();
        }
        AuditRecord last = null;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                try {
                    last = line.isEmpty() ? last : AuditRecord.fromJson(line);
                } catch (AuditRecord.Unreadable torn) {
                    // only a last line can be cut short; replayInto reports it
                }
            }
        }
        return Optional.ofNullable(last);
    }
}
