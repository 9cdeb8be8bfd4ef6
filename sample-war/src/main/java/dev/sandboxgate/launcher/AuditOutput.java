package dev.sandboxgate.launcher;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Where the launcher sends the audit trail: the WAR's log sink writes one JSON line per record to the JDK logger
 * {@code dev.sandboxgate.audit}; here those lines go to standard output, bare (no timestamp or level prefix), while
 * every other log line stays on standard error. An operator's own {@code java.util.logging} configuration
 * ({@code -Djava.util.logging.config.file}) is left alone. With {@code AUDIT_SINKS} naming {@code jdbc} and no
 * {@code AUDIT_JDBC_URL}, the JDBC sink writes to an embedded H2 file, {@code sandbox-audit.mv.db}, in the working
 * directory.
 */
final class AuditOutput {
    static final String LOGGER = "dev.sandboxgate.audit";
    // Held strongly: java.util.logging keeps loggers only weakly, and the handler would be lost with it.
    private static Logger audit;

    private AuditOutput() {
    }

    static void configure(Path workingDir) {
        String sinks = LauncherSettings.fromSystem("AUDIT_SINKS");
        if (sinks != null && sinks.contains("jdbc") && LauncherSettings.fromSystem("AUDIT_JDBC_URL") == null) {
            System.setProperty("AUDIT_JDBC_URL", "jdbc:h2:file:" + workingDir.toAbsolutePath().resolve("sandbox-audit"));
        }
        if (System.getProperty("java.util.logging.config.file") != null) {
            return;
        }
        audit = Logger.getLogger(LOGGER);
        audit.setUseParentHandlers(false);
        audit.setLevel(Level.INFO);
        audit.addHandler(new JsonLines(System.out));
    }

    /** Writes each record's message, which is already a JSON line, as it is. */
    private static final class JsonLines extends Handler {
        private final PrintStream out;

        JsonLines(PrintStream out) {
            this.out = out;
            setFormatter(new Formatter() {
                @Override
                public String format(LogRecord record) {
                    return record.getMessage() + System.lineSeparator();
                }
            });
        }

        @Override
        public void publish(LogRecord record) {
            if (isLoggable(record)) {
                out.print(getFormatter().format(record));
                out.flush();
            }
        }

        @Override
        public void flush() {
            out.flush();
        }

        @Override
        public void close() {
            out.flush();
        }
    }
}
