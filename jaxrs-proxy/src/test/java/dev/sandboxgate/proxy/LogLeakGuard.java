package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Captures every record logged through {@code java.util.logging} (where the gateway's {@code System.Logger}s end up),
 * the gateway's own at every level, and fails the test during which a secret appears in a record's message, its
 * parameters or its exception (messages and stack traces of the whole cause chain). Register it on every test class
 * that drives the gateway: {@code @ExtendWith(LogLeakGuard.class)}.
 */
public final class LogLeakGuard implements AfterEachCallback, AfterAllCallback {
    /** What must never be logged or shown: both tokens, and a caller's API key. */
    public static final List<String> SECRETS = List.of(
            GatewayServer.APP_TOKEN, GatewayServer.SANDBOX_TOKEN, "caller-api-key-5be0c2");

    private static final Capture CAPTURE = Capture.install();

    /** Every record captured so far, rendered as text (message, parameters, exception chain). */
    public static List<String> records() {
        List<String> rendered = new ArrayList<>();
        for (LogRecord record : CAPTURE.records) {
            rendered.add(render(record));
        }
        return rendered;
    }

    /** Asserts that no secret occurs in {@code text}, naming {@code what} was scanned. */
    public static void assertNoSecretIn(String what, String text) {
        for (String secret : SECRETS) {
            assertThat(text).as("%s must not contain a secret", what).doesNotContain(secret);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        checkAndClear();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        checkAndClear(); // records logged by background threads after the last test of the class
    }

    private static void checkAndClear() {
        List<LogRecord> batch = new ArrayList<>(CAPTURE.records);
        CAPTURE.records.removeAll(batch);
        for (LogRecord record : batch) {
            assertNoSecretIn("log record from " + record.getLoggerName(), render(record));
        }
        CAPTURE.total.addAndGet(batch.size());
    }

    /** How many records have been checked or are waiting to be, since the JVM started. */
    public static int recordsSeen() {
        return CAPTURE.total.get() + CAPTURE.records.size();
    }

    static String render(LogRecord record) {
        StringBuilder text = new StringBuilder().append(record.getLevel()).append(' ')
                .append(record.getLoggerName()).append(": ").append(record.getMessage());
        if (record.getParameters() != null) {
            for (Object parameter : record.getParameters()) {
                text.append(" | ").append(parameter);
            }
        }
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace)); // includes every cause's message
            text.append('\n').append(trace);
        }
        return text.toString();
    }

    private static final class Capture extends Handler {
        private final List<LogRecord> records = new CopyOnWriteArrayList<>();
        private final AtomicInteger total = new AtomicInteger();
        // Held strongly: java.util.logging keeps only weak references to loggers, and the level would be lost.
        private final Logger gateway = Logger.getLogger("dev.sandboxgate");

        static Capture install() {
            Capture capture = new Capture();
            capture.setLevel(Level.ALL);
            capture.gateway.setLevel(Level.ALL);
            Logger.getLogger("").addHandler(capture);
            return capture;
        }

        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
