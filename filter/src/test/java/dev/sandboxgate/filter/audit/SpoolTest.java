package dev.sandboxgate.filter.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
    @TempDir
    Path dir;

    private static List<AuditRecord> chain(int count) {
        List<AuditRecord> records = new ArrayList<>();
        String head = null;
        for (int seq = 1; seq <= count; seq++) {
            AuditRecord record = AuditRecordTest.decision("r" + seq, "alice", "ws_1").chained("n", seq, head);
            head = record.hash();
            records.add(record);
        }
        return records;
    }

    /** A sink that keeps what it is given. */
    private static final class Keeping implements AuditSink {
        final List<AuditRecord> written = new ArrayList<>();

        @Override
        public String name() {
            return "keeping";
        }

        @Override
        public void write(List<AuditRecord> records) {
            written.addAll(records);
        }
    }

    @Test
    void replaysInOrderAcrossBatchesAndEmptiesItself() throws Exception {
        Spool spool = new Spool(dir.resolve("s.jsonl"));
        List<AuditRecord> records = chain(1_200);
        spool.append(records.subList(0, 700));
        spool.append(records.subList(700, 1_200));
        assertThat(spool.last()).hasValue(records.get(1_199));

        Keeping sink = new Keeping();
        assertThat(spool.replayInto(sink)).isEqualTo(1_200);

        assertThat(sink.written).isEqualTo(records);
        assertThat(spool.isEmpty()).isTrue();
    }

    @Test
    void aLastLineCutShortByACrashIsSkippedAndDoesNotBlockTheStart() throws Exception {
        Spool spool = new Spool(dir.resolve("s.jsonl"));
        List<AuditRecord> records = chain(3);
        spool.append(records.subList(0, 2));
        String torn = records.get(2).toJson();
        Files.writeString(spool.file(), torn.substring(0, torn.length() / 2), StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);

        assertThat(spool.last()).hasValue(records.get(1));
        Keeping sink = new Keeping();
        assertThat(spool.replayInto(sink)).isEqualTo(2);
        assertThat(sink.written).isEqualTo(records.subList(0, 2));
    }
}
