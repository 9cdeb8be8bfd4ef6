package dev.sandboxgate.filter.audit;

import dev.sandboxgate.filter.jdbc.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The audit table (schema in {@code schema.sql}): how a record maps to a row and back, shared by the sink, the
 * verifier and the query tool, so all three read the same columns the same way.
 */
final class JdbcTable {
    private static final String COLUMNS = "node, seq, schema_version, ts, request_id, trace_id, event, subject, auth_method, "
            + "workspace, sandbox_id, session_id, rpc_method, operation, http_method, path, query, decision, reason, "
            + "status, bytes_in, bytes_out, duration_ms, ended_by, client_ip, user_agent, prompt, prompt_chars, "
            + "prev_hash, hash";

    private final String table;

    JdbcTable(String table) {
        if (!Database.isIdentifier(table)) {
            throw new IllegalArgumentException("not a plain SQL identifier: " + table);
        }
        this.table = table;
    }

    String name() {
        return table;
    }

    /** Creates the table and its indexes unless they exist. */
    void create(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String ddl : Database.script(JdbcTable.class, "schema.sql", "sandbox_audit", table)) {
                statement.execute(ddl);
            }
        }
    }

    String insertSql() {
        return "INSERT INTO " + table + " (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
                + "?,?,?,?,?)";
    }

    static void bind(PreparedStatement insert, AuditRecord r) throws SQLException {
        int i = 1;
        insert.setString(i++, r.node());
        insert.setLong(i++, r.seq());
        insert.setInt(i++, r.schema());
        insert.setObject(i++, OffsetDateTime.ofInstant(r.ts(), ZoneOffset.UTC));
        for (String value : new String[] {r.requestId(), r.traceId(), r.event(), r.subject(), r.authMethod(), r.workspace(),
                r.sandboxId(), r.session(), r.rpcMethod(), r.operation(), r.method(), r.path(), r.query(),
                r.decision(), r.reason()}) {
            insert.setString(i++, value);
        }
        setInt(insert, i++, r.status());
        setLong(insert, i++, r.bytesIn());
        setLong(insert, i++, r.bytesOut());
        setLong(insert, i++, r.durationMs());
        insert.setString(i++, r.endedBy());
        insert.setString(i++, r.clientIp());
        insert.setString(i++, r.userAgent());
        insert.setString(i++, r.prompt());
        setInt(insert, i++, r.promptChars());
        insert.setString(i++, r.prevHash());
        insert.setString(i, r.hash());
    }

    private static void setInt(PreparedStatement statement, int index, Integer value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.INTEGER);
        } else {
            statement.setInt(index, value);
        }
    }

    private static void setLong(PreparedStatement statement, int index, Long value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.BIGINT);
        } else {
            statement.setLong(index, value);
        }
    }

    String selectSql(String where, String orderBy) {
        return "SELECT " + COLUMNS + " FROM " + table + (where.isEmpty() ? "" : " WHERE " + where)
                + " ORDER BY " + orderBy;
    }

    static AuditRecord read(ResultSet row) throws SQLException {
        return new AuditRecord(row.getInt("schema_version"), row.getString("node"), row.getLong("seq"),
                row.getObject("ts", OffsetDateTime.class).toInstant(), row.getString("request_id"),
                row.getString("trace_id"), row.getString("event"), row.getString("subject"), row.getString("auth_method"),
                row.getString("workspace"), row.getString("sandbox_id"), row.getString("session_id"),
                row.getString("rpc_method"), row.getString("operation"), row.getString("http_method"),
                row.getString("path"), row.getString("query"), row.getString("decision"), row.getString("reason"),
                integer(row, "status"), bigint(row, "bytes_in"), bigint(row, "bytes_out"),
                bigint(row, "duration_ms"), row.getString("ended_by"), row.getString("client_ip"),
                row.getString("user_agent"), row.getString("prompt"), integer(row, "prompt_chars"),
                row.getString("prev_hash"), row.getString("hash"));
    }

    private static Integer integer(ResultSet row, String column) throws SQLException {
        int value = row.getInt(column);
        return row.wasNull() ? null : value;
    }

    private static Long bigint(ResultSet row, String column) throws SQLException {
        long value = row.getLong(column);
        return row.wasNull() ? null : value;
    }

    /** The newest record of {@code node}'s chain, if any. */
    Optional<AuditRecord> last(Connection connection, String node) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                selectSql("node = ? AND seq = (SELECT MAX(seq) FROM " + table + " WHERE node = ?)", "seq"))) {
            select.setString(1, node);
            select.setString(2, node);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.of(read(row)) : Optional.empty();
            }
        }
    }

    List<String> nodes(Connection connection) throws SQLException {
        List<String> nodes = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT DISTINCT node FROM " + table + " ORDER BY node")) {
            while (rows.next()) {
                nodes.add(rows.getString(1));
            }
        }
        return nodes;
    }
}
