package dev.sandboxgate.filter.audit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The command-line options the audit tools share. The password is read from the environment variable
 * {@code AUDIT_JDBC_PASSWORD}, never from the command line, where other users of the machine could read it.
 */
final class ToolArgs {
    private final Map<String, String> options;

    private ToolArgs(Map<String, String> options) {
        this.options = options;
    }

    static ToolArgs parse(String[] args, List<String> extra) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            boolean known = name.equals("--jdbc-url") || name.equals("--user") || name.equals("--table")
                    || extra.contains(name);
            if (!known || i + 1 >= args.length) {
                throw new IllegalArgumentException("unexpected argument '" + name + "'");
            }
            options.put(name, args[++i]);
        }
        if (!options.containsKey("--jdbc-url")) {
            throw new IllegalArgumentException("--jdbc-url is required");
        }
        return new ToolArgs(options);
    }

    String get(String name) {
        return options.get(name);
    }

    String table() {
        return options.getOrDefault("--table", "sandbox_audit");
    }

    Connection connect() throws SQLException {
        Properties properties = new Properties();
        if (options.containsKey("--user")) {
            properties.setProperty("user", options.get("--user"));
        }
        String password = System.getenv("AUDIT_JDBC_PASSWORD");
        if (password != null) {
            properties.setProperty("password", password);
        }
        Connection connection = DriverManager.getConnection(options.get("--jdbc-url"), properties);
        connection.setReadOnly(true);
        return connection;
    }
}
