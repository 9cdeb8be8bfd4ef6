package dev.sandboxgate.filter.authz;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.sandboxgate.filter.jdbc.Database;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;

/**
 * {@link SessionRegistry} in a database table ({@code session-registry=jdbc}): bindings survive restarts and every
 * gateway of a cluster sees the same ones. The first claim of an id is an INSERT that the primary key lets only one
 * gateway win; a loser reads the winner's row, so concurrent first messages from two nodes agree. Recording the
 * creator of a binding made by a stream is a conditional UPDATE, atomic for the same reason.
 *
 * <p>Bindings that have a creator never change again, so they are cached (bounded, {@code session-registry-size});
 * bindings without one, and absent ids, are always read from the table.
 */
final class JdbcSessionRegistry implements SessionRegistry, AutoCloseable {
    static final String TABLE = "sandbox_gate_acp_binding";
    /** SQLSTATE class 23: integrity constraint violation (here, the primary key: another gateway was first). */
    private static final String CONSTRAINT_VIOLATION = "23";

    private final Database database;
    private final Cache<String, Binding> settled;
    private final Clock clock;

    JdbcSessionRegistry(Database database, long cacheSize, Clock clock) {
        this.database = database;
        this.clock = clock;
        this.settled = Caffeine.newBuilder().maximumSize(cacheSize).expireAfterWrite(Duration.ofMinutes(10))
                .executor(Runnable::run).build();
        database.ensureTable(TABLE, JdbcSessionRegistry.class, "session-registry.sql");
    }

    @Override
    public Binding find(String serverId) {
        Binding cached = settled.getIfPresent(serverId);
        if (cached != null) {
            return cached;
        }
        try (Connection connection = open()) {
            return remember(serverId, read(connection, serverId));
        } catch (SQLException e) {
            throw unavailable(e);
        }
    }

    @Override
    public Binding claim(String serverId, String workspaceId, String creator) {
        Binding bound = find(serverId);
        if (bound != null && (creator == null || bound.creator() != null
                || !bound.workspaceId().equals(workspaceId))) {
            return bound; // nothing to record: no connection needed (a settled binding came from the cache)
        }
        try (Connection connection = open()) {
            if (bound == null) {
                if (insert(connection, serverId, workspaceId, creator)) {
                    return remember(serverId, new Binding(workspaceId, creator));
                }
                bound = read(connection, serverId); // another request or gateway was first: its binding holds
                if (bound == null) {
                    throw new IllegalStateException("session registry: a conflicting binding vanished");
                }
            }
            if (bound.creator() == null && creator != null && bound.workspaceId().equals(workspaceId)) {
                if (setCreator(connection, serverId, workspaceId, creator)) {
                    return remember(serverId, new Binding(workspaceId, creator));
                }
                bound = read(connection, serverId);
            }
            return remember(serverId, bound);
        } catch (SQLException e) {
            throw unavailable(e);
        }
    }

    /** Each statement commits on its own: the INSERT and the UPDATE are the atomic steps. */
    private Connection open() throws SQLException {
        Connection connection = database.dataSource().getConnection();
        if (!connection.getAutoCommit()) {
            connection.setAutoCommit(true);
        }
        return connection;
    }

    private Binding remember(String serverId, Binding binding) {
        if (binding != null && binding.creator() != null) {
            settled.put(serverId, binding);
        }
        return binding;
    }

    private static Binding read(Connection connection, String serverId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT workspace_id, creator FROM " + TABLE + " WHERE server_key = ?")) {
            select.setString(1, key(serverId));
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? new Binding(row.getString(1), row.getString(2)) : null;
            }
        }
    }

    /** True if this INSERT bound the id; false if a binding already existed (the primary key refused it). */
    private boolean insert(Connection connection, String serverId, String workspaceId, String creator)
            throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + TABLE
                + " (server_key, server_id, workspace_id, creator, bound_at) VALUES (?, ?, ?, ?, ?)")) {
            insert.setString(1, key(serverId));
            insert.setString(2, serverId);
            insert.setString(3, workspaceId);
            insert.setString(4, creator);
            insert.setTimestamp(5, Timestamp.from(clock.instant()));
            return insert.executeUpdate() == 1;
        } catch (SQLException e) {
            String state = e.getSQLState();
            if (state != null && state.startsWith(CONSTRAINT_VIOLATION)) {
                return false;
            }
            throw e;
        }
    }

    private static boolean setCreator(Connection connection, String serverId, String workspaceId, String creator)
            throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE " + TABLE
                + " SET creator = ? WHERE server_key = ? AND workspace_id = ? AND creator IS NULL")) {
            update.setString(1, creator);
            update.setString(2, key(serverId));
            update.setString(3, workspaceId);
            return update.executeUpdate() == 1;
        }
    }

    /** Ids are chosen by clients and may be long: the primary key is their SHA-256, which fits any index. */
    static String key(String serverId) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(serverId.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The filter refuses the request (fail closed); the message names the state, never a value. */
    private static IllegalStateException unavailable(SQLException e) {
        return new IllegalStateException("session registry unavailable (SQLSTATE " + e.getSQLState() + ")", e);
    }

    @Override
    public void close() {
        database.close();
    }
}
