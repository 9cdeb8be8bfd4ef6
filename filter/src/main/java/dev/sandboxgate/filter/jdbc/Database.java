package dev.sandboxgate.filter.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.sandboxgate.filter.ConfigurationException;
import dev.sandboxgate.filter.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.sql.DataSource;

/**
 * A database the gateway keeps state in (session bindings, the sandbox directory), configured by init-params that
 * share one prefix, e.g. {@code session-registry}:
 * <ul>
 *   <li>{@code {prefix}-datasource}: the JNDI name of a container-managed {@link DataSource}, e.g.
 *       {@code java:comp/env/jdbc/sandboxgate} (preferred: the container pools and configures it); or
 *   <li>{@code {prefix}-jdbc-url} with optional {@code {prefix}-jdbc-user} and {@code {prefix}-jdbc-password}: a
 *       pool of the gateway's own (HikariCP, at most {@code {prefix}-jdbc-pool-size} connections, 4 by default), whose
 *       JDBC driver must be on the class path.
 * </ul>
 * The tables are created from a SQL script on the class path when they do not exist yet.
 */
public final class Database implements AutoCloseable {
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
    private final DataSource dataSource;
    /** The pool the gateway opened itself, closed with this; null for a container's DataSource. */
    private final HikariDataSource ownPool;

    private Database(DataSource dataSource, HikariDataSource ownPool) {
        this.dataSource = dataSource;
        this.ownPool = ownPool;
    }

    /** For embedding and tests: a DataSource managed by someone else (never closed here). */
    public static Database of(DataSource dataSource) {
        return new Database(dataSource, null);
    }

    /** The database the init-params starting with {@code prefix} configure; fails naming them when none is. */
    public static Database from(Settings settings, String prefix) {
        String jndi = settings.optional(prefix + "-datasource").orElse(null);
        String url = settings.optional(prefix + "-jdbc-url").orElse(null);
        if (jndi != null && url != null) {
            throw settings.problem("set either '" + prefix + "-datasource' or '" + prefix + "-jdbc-url', not both");
        }
        if (jndi != null) {
            try {
                Object found = new InitialContext().lookup(jndi);
                if (found instanceof DataSource dataSource) {
                    return new Database(dataSource, null);
                }
                throw settings.invalid(prefix + "-datasource", jndi, "the JNDI name of a javax.sql.DataSource");
            } catch (NamingException e) {
                throw settings.invalid(prefix + "-datasource", jndi, "a JNDI name that resolves ("
                        + e.getClass().getSimpleName() + ")");
            }
        }
        if (url == null) {
            throw settings.problem("init-param '" + prefix + "-datasource' (a JNDI name) or '" + prefix
                    + "-jdbc-url' is required: neither is set (" + settings.describeUnset(
                    List.of(prefix + "-datasource", prefix + "-jdbc-url")) + ")");
        }
        HikariConfig config = new HikariConfig();
        config.setPoolName(prefix);
        config.setJdbcUrl(url);
        settings.optional(prefix + "-jdbc-user").ifPresent(config::setUsername);
        settings.optional(prefix + "-jdbc-password").ifPresent(config::setPassword);
        config.setMaximumPoolSize(settings.positiveInt(prefix + "-jdbc-pool-size", 4));
        config.setMinimumIdle(1);
        config.setConnectionTimeout(5_000);
        try {
            HikariDataSource pool = new HikariDataSource(config);
            return new Database(pool, pool);
        } catch (RuntimeException e) {
            // Not the message: a driver's may quote the URL, and a URL may carry a password.
            throw settings.invalid(prefix + "-jdbc-url", null, "a JDBC URL the gateway can connect to with a "
                    + "driver on its class path (" + e.getClass().getSimpleName() + causeName(e) + ")");
        }
    }

    private static String causeName(Throwable e) {
        return e.getCause() == null ? "" : ": " + e.getCause().getClass().getSimpleName();
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /**
     * Runs {@code script} (see {@link #script}, the table under its own name) unless {@code table} can already be
     * read. Several gateways starting at once may race to create it: a failed creation after which the table exists
     * is success.
     */
    public void ensureTable(String table, Class<?> owner, String script) {
        if (tableExists(table)) {
            return;
        }
        List<String> statements = script(owner, script, table, table);
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        } catch (SQLException e) {
            if (!tableExists(table)) {
                throw new ConfigurationException("could not create table " + table + " from " + script + ": "
                        + e.getMessage());
            }
        }
    }

    private boolean tableExists(String table) {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.executeQuery("SELECT 1 FROM " + table + " WHERE 1 = 0").close();
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    /** Whether {@code name} is a plain SQL identifier: safe to write into a statement, needs no quoting. */
    public static boolean isIdentifier(String name) {
        return IDENTIFIER.matcher(name).matches();
    }

    /**
     * The statements of {@code script}, a class-path resource next to {@code owner}: statements separated by
     * {@code ;}, {@code --} comments, no string literals. The script names its table {@code scriptTable}; each name
     * starting with it (the table's, its indexes') gets {@code table} instead, which must be a plain SQL identifier,
     * so that an operator's choice of name can never change what the statements do.
     */
    public static List<String> script(Class<?> owner, String script, String scriptTable, String table) {
        if (!isIdentifier(table)) {
            throw new IllegalArgumentException("not a plain SQL identifier: " + table);
        }
        Pattern named = Pattern.compile("\\b" + Pattern.quote(scriptTable));
        try (InputStream in = owner.getResourceAsStream(script)) {
            if (in == null) {
                throw new IllegalStateException("missing class-path resource " + script);
            }
            StringBuilder text = new StringBuilder();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                int comment = line.indexOf("--"); // the scripts hold no string literals
                text.append(comment < 0 ? line : line.substring(0, comment)).append('\n');
            }
            List<String> statements = new ArrayList<>();
            for (String sql : text.toString().split(";")) {
                if (!sql.isBlank()) {
                    statements.add(named.matcher(sql.strip()).replaceAll(Matcher.quoteReplacement(table)));
                }
            }
            return statements;
        } catch (IOException e) {
            throw new IllegalStateException("could not read " + script, e);
        }
    }

    @Override
    public void close() {
        if (ownPool != null) {
            ownPool.close();
        }
    }
}
