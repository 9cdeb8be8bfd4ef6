package dev.sandboxgate.filter.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verifier passes an untouched chain and names the first edited, deleted or reordered record. */
class AuditVerifierTest {
    @TempDir
    Path dir;

    private static dev.sandboxgate.filter.jdbc.Database h2(String url) {
        org.h2.jdbcx.JdbcDataSource dataSource = new org.h2.jdbcx.JdbcDataSource();
        dataSource.setURL(url);
        return dev.sandboxgate.filter.jdbc.Database.of(dataSource);
    }

    /** Ten chained records of one node, as a log sink writes them (prefixed, among other log lines). */
    private static List<String> logLines() {
        List<String> lines = new ArrayList<>();
        lines.add("Nov 26, 2026 5:00:00 PM dev.sandboxgate.launcher start");
        String head = null;
        for (int seq = 1; seq <= 10; seq++) {
            AuditRecord record = AuditRecordTest.decision("r" + seq, "alice", "ws_1").chained("node-1", seq, head);
            head = record.hash();
            lines.add("INFO: " + record.toJson());
        }
        return lines;
    }

    @Test
    void passesAnUntouchedChain() {
        AuditVerifier.Result result = AuditVerifier.verifyLines(logLines());

        assertThat(result.intact()).as(result.problem()).isTrue();
        assertThat(result.records()).isEqualTo(10);
        assertThat(result.chains()).isEqualTo(1);
    }

    @Test
    void detectsAnEditedRecord() {
        List<String> lines = logLines();
        lines.set(5, lines.get(5).replace("\"alice\"", "\"bob\""));

        assertThat(AuditVerifier.verifyLines(lines).problem()).startsWith("line 6 (node node-1, seq 5): MODIFIED");
    }

    @Test
    void detectsADeletedRecord() {
        List<String> lines = logLines();
        lines.remove(4); // seq 4

        assertThat(AuditVerifier.verifyLines(lines).problem())
                .isEqualTo("line 5 (node node-1, seq 5): DELETED: seq 4 missing before it");
    }

    @Test
    void detectsReorderedRecords() {
        List<String> lines = logLines();
        Collections.swap(lines, 3, 4); // seq 3 and 4

        assertThat(AuditVerifier.verifyLines(lines).problem())
                .isEqualTo("line 4 (node node-1, seq 4): REORDERED: seq 3 should come before it but is stored at "
                        + "line 5");
    }

    @Test
    void detectsARecordRewrittenWithAFreshHash() throws Exception {
        List<String> lines = logLines();
        AuditRecord original = AuditRecord.fromJson(lines.get(3).substring(6));
        AuditRecord forged = new AuditRecord(original.schema(), original.node(), original.seq(), original.ts(),
                original.requestId(), original.traceId(), original.event(), "bob", original.authMethod(), original.workspace(),
                original.sandboxId(), original.session(), original.rpcMethod(), original.operation(),
                original.method(), original.path(), original.query(), original.decision(), original.reason(),
                original.status(), original.bytesIn(), original.bytesOut(), original.durationMs(),
                original.endedBy(), original.clientIp(), original.userAgent(), original.prompt(),
                original.promptChars(), original.prevHash(), null).chained("node-1", 3, original.prevHash());
        lines.set(3, forged.toJson());

        assertThat(AuditVerifier.verifyLines(lines).problem())
                .isEqualTo("line 5 (node node-1, seq 4): MODIFIED: its prevHash does not match the record before it");
    }

    @Test
    void theMainReportsOnAFileWithItsExitStatus() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        Files.write(file, logLines());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(AuditVerifier.run(new String[] {file.toString()}, new PrintStream(out, true, "UTF-8"),
                System.err)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("OK: 10 record(s) in 1 chain(s)");

        List<String> lines = logLines();
        lines.remove(2);
        Files.write(file, lines);
        out.reset();
        assertThat(AuditVerifier.run(new String[] {file.toString()}, new PrintStream(out, true, "UTF-8"),
                System.err)).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("DELETED: seq 2 missing");
    }

    @Test
    void checksAJdbcTableAndFindsEditedDeletedAndReorderedRows() throws Exception {
        String url = "jdbc:h2:mem:verify-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1";
        JdbcSink sink = new JdbcSink(h2(url), new JdbcTable("sandbox_audit"));
        List<AuditRecord> records = new ArrayList<>();
        String head = null;
        for (int seq = 1; seq <= 10; seq++) {
            AuditRecord record = AuditRecordTest.decision("r" + seq, "alice", "ws_1").chained("node-1", seq, head);
            head = record.hash();
            records.add(record);
        }
        sink.write(records);
        sink.write(records.subList(5, 10)); // offered again after an unknown commit: written once
        sink.close();

        try (Connection connection = DriverManager.getConnection(url);
             Statement sql = connection.createStatement()) {
            assertThat(AuditVerifier.verifyTable(connection, "sandbox_audit").intact()).isTrue();
            assertThat(AuditVerifier.verifyTable(connection, "sandbox_audit").records()).isEqualTo(10);

            sql.execute("UPDATE sandbox_audit SET workspace = 'ws_2' WHERE seq = 6");
            assertThat(AuditVerifier.verifyTable(connection, "sandbox_audit").problem())
                    .isEqualTo("row (node node-1, seq 6): MODIFIED: its hash does not match its content");
            sql.execute("UPDATE sandbox_audit SET workspace = 'ws_1' WHERE seq = 6");
            assertThat(AuditVerifier.verifyTable(connection, "sandbox_audit").intact()).isTrue();

            sql.execute("UPDATE sandbox_audit SET seq = -seq WHERE seq IN (3, 4)");
            sql.execute("UPDATE sandbox_audit SET seq = 4 WHERE seq = -3");
            sql.execute("UPDATE sandbox_audit SET seq = 3 WHERE seq = -4");
            assertThat(AuditVerifier.verifyTable(connection, "sandbox_audit").problem())
                    .isEqualTo("row (node node-1, seq 3): MODIFIED: its hash does not match its content");
            sql.execute("UPDATE sandbox_audit SET seq = -seq WHERE seq IN (3, 4)");
            sql.execute("UPDATE sandbox_audit SET seq = 4 WHERE seq = -3");
            sql.execute("UPDATE sandbox_audit SET seq = 3 WHERE seq = -4");

            sql.execute("DELETE FROM sandbox_audit WHERE seq = 8");
            assertThat(AuditVerifier.verifyTable(connection, "sandbox_audit").problem())
                    .isEqualTo("row (node node-1, seq 9): DELETED: seq 8 missing before it");
        }
    }

    @Test
    void theQueryToolListsBySubjectWorkspaceAndTime() throws Exception {
        String url = "jdbc:h2:mem:query-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1";
        JdbcSink sink = new JdbcSink(h2(url), new JdbcTable("sandbox_audit"));
        String head = null;
        List<AuditRecord> records = new ArrayList<>();
        String[][] who = {{"alice", "ws_1"}, {"bob", "ws_1"}, {"alice", "ws_2"}};
        for (int seq = 1; seq <= 3; seq++) {
            AuditRecord base = AuditRecordTest.decision("r" + seq, who[seq - 1][0], who[seq - 1][1]);
            AuditRecord at = new AuditRecord(base.schema(), null, 0, Instant.parse("2026-11-26T10:00:00Z")
                    .plusSeconds(3600L * seq), base.requestId(), base.traceId(), base.event(), base.subject(), base.authMethod(),
                    base.workspace(), null, null, null, base.operation(), base.method(), base.path(), null,
                    base.decision(), null, null, null, null, null, null, null, null, null, null, null, null);
            AuditRecord chained = at.chained("n", seq, head);
            head = chained.hash();
            records.add(chained);
        }
        sink.write(records);
        sink.close();

        try (Connection connection = DriverManager.getConnection(url)) {
            assertThat(AuditQuery.list(connection, "sandbox_audit", "alice", null, null, null, 100))
                    .extracting(AuditRecord::requestId).containsExactly("r1", "r3");
            assertThat(AuditQuery.list(connection, "sandbox_audit", null, "ws_1", null, null, 100))
                    .extracting(AuditRecord::requestId).containsExactly("r1", "r2");
            assertThat(AuditQuery.list(connection, "sandbox_audit", null, null,
                    Instant.parse("2026-11-26T12:00:00Z"), Instant.parse("2026-11-26T13:00:00Z"), 100))
                    .extracting(AuditRecord::requestId).containsExactly("r2");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(AuditQuery.run(new String[] {"--jdbc-url", url, "--subject", "bob"},
                new PrintStream(out, true, "UTF-8"), System.err)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).trim()).isEqualTo(records.get(1).toJson());
    }
}
