package dev.sandboxgate.filter.audit;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Each record as one JSON line through {@code java.util.logging} (logger {@value #LOGGER}, level INFO), which every
 * container routes somewhere: a stock Tomcat, WildFly or Payara writes it to its server log, the sample launcher to
 * standard output. The message is the JSON line itself, without parameters, so no formatter rewrites it.
 */
final class LogSink implements AuditSink {
    static final String LOGGER = "dev.sandboxgate.audit";

    // Held strongly: java.util.logging keeps loggers only weakly, and a configured level would be lost with it.
    private final Logger logger = Logger.getLogger(LOGGER);

    @Override
    public String name() {
        return "log";
    }

    @Override
    public void write(List<AuditRecord> records) {
        for (AuditRecord record : records) {
            logger.log(Level.INFO, record.toJson());
        }
    }
}
