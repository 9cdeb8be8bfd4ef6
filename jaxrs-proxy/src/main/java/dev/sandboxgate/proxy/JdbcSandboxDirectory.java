package dev.sandboxgate.proxy;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.sandboxgate.filter.ConfigurationException;
import dev.sandboxgate.filter.Settings;
import dev.sandboxgate.filter.jdbc.Database;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Workspaces mapped to sandboxes by two database tables ({@code sandbox-directory=jdbc}; schema in
 * {@code sandbox-directory.sql}, created when missing): {@code sandbox_gate_sandbox} (id, base URL, token reference)
 * and {@code sandbox_gate_workspace} (workspace id, or {@code *} for every other workspace, to sandbox id). The table
 * holds only a reference to each token, {@code ${env:NAME}} or {@code ${sys:name}}, resolved on the gateway like an
 * init-param placeholder: a database dump reveals no token. Answers are cached ({@code sandbox-directory-cache},
 * Caffeine's spec, bounded and expiring: {@code maximumSize=10000,expireAfterWrite=1m} by default), absent workspaces
 * included, so an edited row takes effect within the expiry.
 *
 * <p>A row that cannot be used (a literal token, a reference that resolves to nothing, a bad URL) and a database that
 * does not answer are {@link Unavailable}: the request is refused, never sent elsewhere or without a token.
 */
final class JdbcSandboxDirectory implements SandboxDirectory, AutoCloseable {
    static final String PREFIX = "sandbox-directory";
    static final String CACHE_PARAM = "sandbox-directory-cache";
    private static final String DEFAULT_CACHE = "maximumSize=10000,expireAfterWrite=1m";
    private static final Pattern TOKEN_REFERENCE = Pattern.compile("\\$\\{(env|sys):[A-Za-z0-9_.-]+}");
    private static final String QUERY = "SELECT w.workspace_id, s.sandbox_id, s.base_url, s.token_ref"
            + " FROM sandbox_gate_workspace w JOIN sandbox_gate_sandbox s ON s.sandbox_id = w.sandbox_id"
            + " WHERE w.workspace_id = ? OR w.workspace_id = '*'";

    /** Why a workspace's sandbox cannot be named right now; the message names rows and references, never tokens. */
    static final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unavailable(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    private final Database database;
    private final String owner;
    private final UnaryOperator<String> env;
    private final UnaryOperator<String> sys;
    private final LoadingCache<String, Optional<Sandbox>> cache;

    JdbcSandboxDirectory(Database database, String cacheSpec, String owner, UnaryOperator<String> env,
                         UnaryOperator<String> sys) {
        this.database = database;
        this.owner = owner;
        this.env = env;
        this.sys = sys;
        this.cache = Caffeine.from(cacheSpec).executor(Runnable::run).build(this::load);
        database.ensureTable("sandbox_gate_workspace", JdbcSandboxDirectory.class, "sandbox-directory.sql");
    }

    static JdbcSandboxDirectory from(Settings settings) {
        String spec = settings.optional(CACHE_PARAM).orElse(DEFAULT_CACHE);
        try {
            Caffeine.from(spec);
        } catch (IllegalArgumentException e) {
            throw settings.invalid(CACHE_PARAM, spec, "a Caffeine spec such as " + DEFAULT_CACHE);
        }
        if (!spec.contains("maximumSize=") || !spec.contains("expireAfterWrite=")) {
            throw settings.invalid(CACHE_PARAM, spec, "a bounded, expiring spec (maximumSize and expireAfterWrite), "
                    + "such as " + DEFAULT_CACHE);
        }
        Database database = Database.from(settings, PREFIX);
        try {
            return new JdbcSandboxDirectory(database, spec, settings.owner(), System::getenv, System::getProperty);
        } catch (ConfigurationException e) {
            database.close();
            throw e;
        }
    }

    @Override
    public Sandbox sandboxFor(String workspaceId) {
        return cache.get(workspaceId).orElse(null);
    }

    private Optional<Sandbox> load(String workspaceId) {
        Row exact = null;
        Row fallback = null;
        try (Connection connection = database.dataSource().getConnection();
             PreparedStatement select = connection.prepareStatement(QUERY)) {
            select.setString(1, workspaceId);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    Row row = new Row(rows.getString(2), rows.getString(3), rows.getString(4));
                    if (rows.getString(1).equals(workspaceId)) {
                        exact = row;
                    } else {
                        fallback = row;
                    }
                }
            }
        } catch (SQLException e) {
            throw new Unavailable("the sandbox directory's database did not answer (SQLSTATE " + e.getSQLState()
                    + ")", e);
        }
        Row row = exact != null ? exact : fallback;
        return row == null ? Optional.empty() : Optional.of(sandbox(row));
    }

    private record Row(String sandboxId, String baseUrl, String tokenRef) {
    }

    private Sandbox sandbox(Row row) {
        String where = "sandbox_gate_sandbox row '" + row.sandboxId() + "'";
        if (row.tokenRef() == null || !TOKEN_REFERENCE.matcher(row.tokenRef().trim()).matches()) {
            // Not quoted: it might be a token written where its reference belongs.
            throw new Unavailable(where + ": token_ref is not a reference such as ${env:NAME}", null);
        }
        Settings columns = Settings.of(owner + " (" + where + ")",
                name -> name.equals("token_ref") ? row.tokenRef() : row.baseUrl(), env, sys);
        try {
            URI url = columns.httpUrl("base_url");
            String token = columns.optional("token_ref").orElseThrow(() -> new Unavailable(where + ": token_ref '"
                    + row.tokenRef().trim() + "' resolves to nothing", null));
            return new Sandbox(row.sandboxId(), url, token);
        } catch (ConfigurationException e) {
            throw new Unavailable(e.getMessage(), null);
        }
    }

    @Override
    public void close() {
        database.close();
    }
}
