package dev.sandboxgate.filter.audit;

import dev.sandboxgate.filter.ConfigurationException;
import dev.sandboxgate.filter.GateExchange;
import dev.sandboxgate.filter.GateListener;
import dev.sandboxgate.filter.ProblemType;
import dev.sandboxgate.filter.Refusal;
import dev.sandboxgate.filter.Settings;
import dev.sandboxgate.filter.jdbc.Database;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.sql.DataSource;

/**
 * The audit stage: a {@link GateListener} that writes a {@code decision} record for every request the filter sees
 * and a {@code completed} record when a forwarded one ends, linked by request id, through a bounded queue to its
 * {@link AuditSink}s (see {@link AuditWriter}). Built by {@link #configure} from the filter's init-params (all listed
 * in the README); closed by the filter's {@code destroy()}, which waits for the queue to drain.
 *
 * <p>When the queue stays full for {@code audit-block-timeout}, a request that would be forwarded is refused with 503
 * {@code audit-unavailable} instead: nothing reaches the sandbox unrecorded.
 */
public final class AuditTrail implements GateListener, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AuditTrail.class.getName());
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final java.util.regex.Pattern NODE_ID = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    public static final String SINKS_PARAM = "audit-sinks";
    static final String NODE_PARAM = "audit-node";
    static final String QUEUE_PARAM = "audit-queue-size";
    static final String BATCH_PARAM = "audit-batch-size";
    static final String OVERFLOW_PARAM = "audit-overflow";
    static final String BLOCK_TIMEOUT_PARAM = "audit-block-timeout";
    static final String SPOOL_DIR_PARAM = "audit-spool-dir";
    static final String DRAIN_TIMEOUT_PARAM = "audit-drain-timeout";
    static final String PROMPT_PARAM = "audit-prompt";
    static final String PROMPT_MAX_PARAM = "audit-prompt-max";
    /** The prefix of the JDBC sink's {@link Database} params: {@code audit-datasource}, {@code audit-jdbc-url}... */
    static final String DATABASE_PREFIX = "audit";
    static final String JDBC_TABLE_PARAM = "audit-jdbc-table";
    static final String DEFAULT_DATASOURCE = "java:comp/env/jdbc/sandboxAudit";

    private final RecordFactory factory;
    private final AuditWriter writer;
    private final Thread thread;
    private final long blockTimeoutNanos;
    private final Refusal unavailable;
    private final Duration drainTimeout;
    private final List<AuditSink> sinks;
    private final ObjectName mbeanName;
    private volatile long lastWarningNanos = System.nanoTime() - TimeUnit.MINUTES.toNanos(1);

    private AuditTrail(String owner, String node, List<AuditSink> sinks, List<Spool> spools, int queueSize,
                       int batchSize, Duration blockTimeout, Duration drainTimeout, RecordFactory factory) {
        this.factory = factory;
        this.sinks = sinks;
        this.writer = new AuditWriter(node, sinks, spools, queueSize, batchSize);
        this.blockTimeoutNanos = blockTimeout.toNanos();
        this.drainTimeout = drainTimeout;
        long retryAfter = Math.max(1, (blockTimeout.toMillis() + 999) / 1000);
        this.unavailable = new Refusal(ProblemType.AUDIT_UNAVAILABLE, "The audit trail cannot record this request "
                + "right now; nothing was forwarded. Try again shortly.", Map.of("Retry-After", "" + retryAfter));
        this.thread = new Thread(writer, "sandbox-gate-audit-" + node);
        this.thread.setDaemon(true); // an undeploy waits for it in close(), which the filter's destroy() calls
        this.mbeanName = register(owner, node);
        this.thread.start();
    }

    /** The trail the settings describe, or null when {@code audit-sinks=none}. */
    public static AuditTrail configure(Settings settings) {
        List<String> names = settings.list(SINKS_PARAM);
        if (names.isEmpty()) {
            names = List.of("log");
        }
        if (names.equals(List.of("none"))) {
            LOG.log(Level.WARNING, "{0}: init-param ''{1}'' is none: requests are NOT audited", settings.owner(),
                    SINKS_PARAM);
            return null;
        }
        String node = settings.optional(NODE_PARAM).orElseGet(AuditTrail::hostName);
        if (!NODE_ID.matcher(node).matches()) {
            throw settings.invalid(NODE_PARAM, node, "a node id of letters, digits, '_', '-' and '.' (up to 128)");
        }
        int queueSize = settings.positiveInt(QUEUE_PARAM, 10_000);
        int batchSize = settings.positiveInt(BATCH_PARAM, 500);
        String overflow = settings.optional(OVERFLOW_PARAM).orElse("block");
        if (!overflow.equals("block") && !overflow.equals("spool")) {
            throw settings.invalid(OVERFLOW_PARAM, overflow, "'block' or 'spool'");
        }
        Duration blockTimeout = settings.duration(BLOCK_TIMEOUT_PARAM, Duration.ofSeconds(5));
        Duration drainTimeout = settings.duration(DRAIN_TIMEOUT_PARAM, Duration.ofSeconds(60));
        RecordFactory factory = new RecordFactory(promptMode(settings),
                (int) Math.min(settings.positiveInt(PROMPT_MAX_PARAM, 4096), 65_536));

        List<AuditSink> sinks = new ArrayList<>();
        for (String name : names) {
            sinks.add(switch (name) {
                case "log" -> new LogSink();
                case "jdbc" -> jdbcSink(settings);
                default -> settings.newInstance(SINKS_PARAM, name, AuditSink.class);
            });
        }
        List<Spool> spools = null;
        if (overflow.equals("spool")) {
            Path dir = Paths.get(settings.optional(SPOOL_DIR_PARAM).orElseThrow(() -> settings.problem(
                    "init-param '" + SPOOL_DIR_PARAM + "' is required with " + OVERFLOW_PARAM + "=spool")));
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw settings.invalid(SPOOL_DIR_PARAM, dir.toString(), "a directory the gateway can write");
            }
            spools = new ArrayList<>();
            for (AuditSink sink : sinks) {
                spools.add(new Spool(dir.resolve("audit-" + node + "-" + sink.name() + ".jsonl")));
            }
        }
        return new AuditTrail(settings.owner(), node, List.copyOf(sinks), spools, queueSize, batchSize,
                blockTimeout, drainTimeout, factory);
    }

    private static RecordFactory.PromptMode promptMode(Settings settings) {
        String value = settings.optional(PROMPT_PARAM).orElse("hash");
        try {
            return RecordFactory.PromptMode.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw settings.invalid(PROMPT_PARAM, value, "'full', 'hash' or 'none'");
        }
    }

    private static AuditSink jdbcSink(Settings settings) {
        String tableName = settings.optional(JDBC_TABLE_PARAM).orElse("sandbox_audit");
        if (!Database.isIdentifier(tableName)) {
            throw settings.invalid(JDBC_TABLE_PARAM, tableName, "a plain SQL identifier");
        }
        if (settings.optional(DATABASE_PREFIX + "-datasource").isPresent()
                || settings.optional(DATABASE_PREFIX + "-jdbc-url").isPresent()) {
            return new JdbcSink(Database.from(settings, DATABASE_PREFIX), new JdbcTable(tableName));
        }
        try {
            // Neither is set: the enterprise default, the container's DataSource at the conventional name.
            Object found = new InitialContext().lookup(DEFAULT_DATASOURCE);
            if (found instanceof DataSource dataSource) {
                return new JdbcSink(Database.of(dataSource), new JdbcTable(tableName));
            }
            throw new NamingException(DEFAULT_DATASOURCE + " is not a javax.sql.DataSource");
        } catch (NamingException e) {
            throw settings.problem("the audit sink 'jdbc' needs init-param '" + DATABASE_PREFIX + "-jdbc-url' or '"
                    + DATABASE_PREFIX + "-datasource', or a DataSource in JNDI at '" + DEFAULT_DATASOURCE
                    + "', which did not resolve: " + e.getClass().getSimpleName());
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "gateway";
        }
    }

    @Override
    public Refusal decided(GateExchange exchange, Refusal refusal) {
        AuditRecord decision = factory.decision(exchange, refusal);
        if (!writer.offerDecision(decision, blockTimeoutNanos)) {
            warnFull();
            if (refusal == null) {
                writer.refused.incrementAndGet();
                return unavailable;
            }
            writer.unrecorded.incrementAndGet();
            return null;
        }
        if (refusal == null) {
            exchange.onEnd(outcome -> writer.offerCompleted(RecordFactory.completed(decision, exchange, outcome)));
        }
        return null;
    }

    private void warnFull() {
        long now = System.nanoTime();
        if (now - lastWarningNanos > TimeUnit.SECONDS.toNanos(10)) {
            lastWarningNanos = now;
            LOG.log(Level.WARNING, "audit node {0}: the queue stayed full for the block timeout; requests are refused "
                    + "(503 audit-unavailable) until the sinks catch up", writer.getNode());
        }
    }

    /** The counters (also registered as an MBean). */
    public AuditMXBean counters() {
        return writer;
    }

    /**
     * Stops taking requests and waits, up to {@code audit-drain-timeout}, for every queued record to be written; then
     * closes the sinks.
     */
    @Override
    public void close() {
        writer.stop(System.nanoTime() + drainTimeout.toNanos());
        try {
            thread.join(drainTimeout.toMillis() + 1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.log(Level.ERROR, "audit node {0}: the writer did not finish within the drain timeout; {1} record(s) "
                    + "still queued", writer.getNode(), writer.getQueueDepth());
        }
        for (AuditSink sink : sinks) {
            try {
                sink.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "audit sink {0} did not close cleanly ({1})", sink.name(),
                        e.getClass().getName());
            }
        }
        unregister();
    }

    private ObjectName register(String owner, String node) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        String base = owner + "-" + node;
        for (int attempt = 0; attempt < 100; attempt++) {
            String name = attempt == 0 ? base : base + "-" + INSTANCES.incrementAndGet();
            try {
                ObjectName objectName = new ObjectName("dev.sandboxgate:type=Audit,name=" + ObjectName.quote(name));
                server.registerMBean(writer, objectName);
                return objectName;
            } catch (javax.management.InstanceAlreadyExistsException taken) {
                // another filter in this JVM with the same name and node (tests, two WARs): number this one
            } catch (JMException e) {
                throw new ConfigurationException("cannot register the audit MBean: " + e.getClass().getSimpleName());
            }
        }
        throw new ConfigurationException("cannot register the audit MBean: too many with the name " + base);
    }

    private void unregister() {
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(mbeanName);
        } catch (JMException ignored) {
            // already gone
        }
    }

    /** The MBean's name, e.g. {@code dev.sandboxgate:type=Audit,name="SandboxAuthFilter-node1"}. */
    public ObjectName mbeanName() {
        return mbeanName;
    }
}
