package dev.sandboxgate.proxy;

import dev.sandboxgate.filter.audit.AuditRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Captures what the audit trail's log sink writes (logger {@code dev.sandboxgate.audit}), for tests. */
public final class AuditLines extends Handler implements AutoCloseable {
    // Held strongly: java.util.logging keeps loggers only weakly, and the handler would be lost with it.
    private final Logger logger = Logger.getLogger("dev.sandboxgate.audit");
    private final List<String> lines = new CopyOnWriteArrayList<>();

    public static AuditLines capture() {
        AuditLines capture = new AuditLines();
        capture.logger.addHandler(capture);
        return capture;
    }

    @Override
    public void publish(LogRecord record) {
        lines.add(record.getMessage());
    }

    /** Every line written so far. */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** The records written so far, of every node. */
    public List<AuditRecord> records() throws AuditRecord.Unreadable {
        List<AuditRecord> records = new ArrayList<>();
        for (String line : lines) {
            records.add(AuditRecord.fromJson(line));
        }
        return records;
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
