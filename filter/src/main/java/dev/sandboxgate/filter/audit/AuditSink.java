package dev.sandboxgate.filter.audit;

import java.util.List;
import java.util.Optional;

/**
 * Where audit records go: the JDK's logging ({@code log}), a JDBC table ({@code jdbc}), or a class of your own named
 * in {@code audit-sinks} (public, with a public constructor taking {@link dev.sandboxgate.filter.Settings} or none).
 * The trail's single writer thread calls a sink, never two threads at once, with records in chain order.
 */
public interface AuditSink extends AutoCloseable {

    /** A short name for counters, spool files and messages, e.g. {@code jdbc}. */
    String name();

    /**
     * Writes {@code records} durably, in order, or throws. After a failure the same records (and more) are offered
     * again, from the trail's queue or its spool, so a sink that may have written part of a batch before failing skips
     * the records it already holds (a node's {@code seq} says which).
     */
    void write(List<AuditRecord> records) throws Exception;

    /**
     * The newest record this sink holds for {@code node}, so that a restarted gateway continues its chain; empty when
     * it holds none or cannot read back (a log). Throws when the store cannot be asked right now.
     */
    default Optional<AuditRecord> last(String node) throws Exception {
        return Optional.empty();
    }

    @Override
    default void close() throws Exception {
    }
}
