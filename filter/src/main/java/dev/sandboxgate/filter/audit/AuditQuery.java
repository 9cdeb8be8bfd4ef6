package dev.sandboxgate.filter.audit;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Lists audit records from the JDBC store as JSON lines, oldest first, for operators:
 *
 * <pre>
 * java -cp '&lt;WEB-INF/lib&gt;/*:&lt;jdbc driver&gt;' dev.sandboxgate.filter.audit.AuditQuery --jdbc-url URL [--user USER]
 *     [--table sandbox_audit] [--subject SUBJECT] [--workspace WORKSPACE] [--from 2026-11-26T00:00:00Z]
 *     [--to 2026-11-27T00:00:00Z] [--limit 1000]                               (password: AUDIT_JDBC_PASSWORD)
 * </pre>
 *
 * {@code --from} is inclusive, {@code --to} exclusive. A command-line tool rather than an HTTP read API: it needs
 * the database's own credentials and opens no new door into the gateway. It connects read-only.
 */
public final class AuditQuery {
    private static final List<String> FILTERS = List.of("--subject", "--workspace", "--from", "--to", "--limit");

    private AuditQuery() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            ToolArgs options = ToolArgs.parse(args, FILTERS);
            try (Connection connection = options.connect()) {
                for (AuditRecord record : list(connection, options.table(), options.get("--subject"),
                        options.get("--workspace"), instant(options.get("--from")), instant(options.get("--to")),
                        options.get("--limit") == null ? 1000 : Integer.parseInt(options.get("--limit")))) {
                    out.println(record.toJson());
                }
            }
            return 0;
        } catch (IllegalArgumentException | DateTimeParseException e) {
            err.println("usage: AuditQuery --jdbc-url URL [--user USER] [--table TABLE] [--subject S] [--workspace W]"
                    + " [--from ISO-INSTANT] [--to ISO-INSTANT] [--limit N]: " + e.getMessage());
            return 2;
        } catch (SQLException e) {
            err.println("cannot read the trail: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return 2;
        }
    }

    private static Instant instant(String text) {
        return text == null ? null : Instant.parse(text);
    }

    /** The records matching every given filter (null: any), oldest first, at most {@code limit}. */
    public static List<AuditRecord> list(Connection connection, String table, String subject, String workspace,
                                         Instant from, Instant to, int limit) throws SQLException {
        JdbcTable audit = new JdbcTable(table);
        List<String> where = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        if (subject != null) {
            where.add("subject = ?");
            values.add(subject);
        }
        if (workspace != null) {
            where.add("workspace = ?");
            values.add(workspace);
        }
        if (from != null) {
            where.add("ts >= ?");
            values.add(OffsetDateTime.ofInstant(from, ZoneOffset.UTC));
        }
        if (to != null) {
            where.add("ts < ?");
            values.add(OffsetDateTime.ofInstant(to, ZoneOffset.UTC));
        }
        List<AuditRecord> records = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(
                audit.selectSql(String.join(" AND ", where), "ts, node, seq"))) {
            for (int i = 0; i < values.size(); i++) {
                select.setObject(i + 1, values.get(i));
            }
            select.setMaxRows(limit);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    records.add(JdbcTable.read(rows));
                }
            }
        }
        return records;
    }
}
