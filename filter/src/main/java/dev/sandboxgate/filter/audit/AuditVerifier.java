package dev.sandboxgate.filter.audit;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks an audit trail's hash chains and reports the first record that was modified, deleted or reordered.
 *
 * <pre>
 * java -cp '&lt;WEB-INF/lib&gt;/*' dev.sandboxgate.filter.audit.AuditVerifier audit.jsonl
 * java -cp '&lt;WEB-INF/lib&gt;/*:&lt;jdbc driver&gt;' dev.sandboxgate.filter.audit.AuditVerifier \
 *     --jdbc-url jdbc:postgresql://db/audit --user auditor [--table sandbox_audit]     (password: AUDIT_JDBC_PASSWORD)
 * </pre>
 *
 * A JSON-lines file may hold other lines (a server log): every line with a {@code {"schema":} record is checked, in
 * file order. Exit status 0 when every chain is intact, 1 when not, 2 on a usage or I/O error. What a chain cannot
 * show: records cut off at its end, and (for a log sink alone, whose restarts begin unlinked chains) records cut off
 * just before a restart.
 */
public final class AuditVerifier {
    private static final String MARK = "{\"schema\":";

    /** The verdict: {@code problem} is null when every chain is intact. */
    public record Result(long records, int chains, String problem) {
        public boolean intact() {
            return problem == null;
        }
    }

    private AuditVerifier() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            Result result;
            if (args.length == 1 && !args[0].startsWith("--")) {
                result = verifyFile(Paths.get(args[0]));
            } else {
                ToolArgs options = ToolArgs.parse(args, List.of());
                try (Connection connection = options.connect()) {
                    result = verifyTable(connection, options.table());
                }
            }
            if (result.intact()) {
                out.println("OK: " + result.records() + " record(s) in " + result.chains() + " chain(s), intact");
                return 0;
            }
            out.println("FAILED: " + result.problem());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("usage: AuditVerifier <file.jsonl> | --jdbc-url URL [--user USER] [--table TABLE]"
                    + " (password from AUDIT_JDBC_PASSWORD): " + e.getMessage());
            return 2;
        } catch (IOException | SQLException e) {
            err.println("cannot read the trail: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return 2;
        }
    }

    public static Result verifyFile(Path file) throws IOException {
        return verifyLines(Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    /** Checks the records among {@code lines}, in order; line numbers in the verdict count from 1. */
    public static Result verifyLines(List<String> lines) {
        Map<String, Map<Long, Integer>> where = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            int at = lines.get(i).indexOf(MARK);
            if (at >= 0) {
                try {
                    AuditRecord record = AuditRecord.fromJson(lines.get(i).substring(at));
                    where.computeIfAbsent(record.node(), n -> new HashMap<>()).putIfAbsent(record.seq(), i + 1);
                } catch (AuditRecord.Unreadable ignored) {
                    // reported in order below
                }
            }
        }
        ChainCheck check = new ChainCheck((node, seq) -> {
            Integer line = where.getOrDefault(node, Map.of()).get(seq);
            return line == null ? null : "line " + line;
        });
        for (int i = 0; i < lines.size(); i++) {
            int at = lines.get(i).indexOf(MARK);
            if (at < 0) {
                continue;
            }
            String problem;
            try {
                problem = check.accept("line " + (i + 1), AuditRecord.fromJson(lines.get(i).substring(at)));
            } catch (AuditRecord.Unreadable e) {
                problem = "line " + (i + 1) + ": MODIFIED: not a readable record (" + e.getMessage() + ")";
            }
            if (problem != null) {
                return new Result(check.records(), check.chains(), problem);
            }
        }
        return new Result(check.records(), check.chains(), null);
    }

    /** Checks every node's chain in {@code table}, in {@code seq} order. */
    public static Result verifyTable(Connection connection, String table) throws SQLException {
        JdbcTable audit = new JdbcTable(table);
        long records = 0;
        int chains = 0;
        for (String node : audit.nodes(connection)) {
            ChainCheck check = new ChainCheck((n, seq) -> null); // rows are read in seq order: a gap is a deletion
            try (PreparedStatement select = connection.prepareStatement(audit.selectSql("node = ?", "seq"))) {
                select.setString(1, node);
                select.setFetchSize(1000);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        AuditRecord record = JdbcTable.read(rows);
                        String problem = check.accept("row", record);
                        if (problem != null) {
                            return new Result(records + check.records(), chains + 1, problem);
                        }
                    }
                }
            }
            records += check.records();
            chains++;
        }
        return new Result(records, chains, null);
    }
}
