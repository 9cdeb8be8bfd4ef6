package dev.sandboxgate.filter.audit;

import dev.sandboxgate.filter.jdbc.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Writes records into the audit table with one batch insert and one commit per batch. The table is created on the
 * first connection if it is missing. The connection comes from a {@link Database} (a container's DataSource or a pool
 * of the gateway's own) and is held between batches. After a failure the commit's fate is unknown, so the sink asks the table for
 * each node's newest {@code seq} again and skips what it already holds: a batch offered twice is written once.
 */
final class JdbcSink implements AuditSink {
    private final Database database;
    private final JdbcTable table;
    /** Per node, the newest seq the table is known to hold; forgotten after a failure. */
    private final Map<String, Long> stored = new HashMap<>();
    private Connection connection;

    JdbcSink(Database database, JdbcTable table) {
        this.database = database;
        this.table = table;
    }

    @Override
    public String name() {
        return "jdbc";
    }

    @Override
    public void write(List<AuditRecord> records) throws SQLException {
        try {
            Connection c = connection();
            boolean any = false;
            try (PreparedStatement insert = c.prepareStatement(table.insertSql())) {
                for (AuditRecord record : records) {
                    long newest = stored.computeIfAbsent(record.node(), this::newestSeq);
                    if (record.seq() <= newest) {
                        continue; // written before a failure that hid the commit from us
                    }
                    JdbcTable.bind(insert, record);
                    insert.addBatch();
                    any = true;
                }
                if (any) {
                    insert.executeBatch();
                }
            }
            c.commit();
            for (AuditRecord record : records) {
                stored.merge(record.node(), record.seq(), Math::max);
            }
        } catch (UncheckedSql e) {
            reset();
            throw e.getCause();
        } catch (SQLException | RuntimeException e) {
            reset();
            throw e;
        }
    }

    private long newestSeq(String node) {
        try {
            return table.last(connection, node).map(AuditRecord::seq).orElse(0L);
        } catch (SQLException e) {
            throw new UncheckedSql(e);
        }
    }

    @Override
    public Optional<AuditRecord> last(String node) throws SQLException {
        try {
            Optional<AuditRecord> last = table.last(connection(), node);
            connection.commit();
            return last;
        } catch (SQLException e) {
            reset();
            throw e;
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            Connection opened = database.dataSource().getConnection();
            try {
                opened.setAutoCommit(false);
                table.create(opened);
                opened.commit();
            } catch (SQLException | RuntimeException e) {
                closeQuietly(opened);
                throw e;
            }
            connection = opened;
        }
        return connection;
    }

    private void reset() {
        stored.clear();
        if (connection != null) {
            closeQuietly(connection);
            connection = null;
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException | RuntimeException ignored) {
            // the connection is being thrown away
        }
        try {
            c.close();
        } catch (SQLException | RuntimeException ignored) {
            // the connection is being thrown away
        }
    }

    @Override
    public void close() {
        reset();
        database.close(); // a pool of its own; never a container's DataSource
    }

    /** Carries an SQLException out of a computeIfAbsent. */
    private static final class UncheckedSql extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UncheckedSql(SQLException cause) {
            super(cause);
        }

        @Override
        public synchronized SQLException getCause() {
            return (SQLException) super.getCause();
        }
    }
}
