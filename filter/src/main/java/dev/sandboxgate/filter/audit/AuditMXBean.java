package dev.sandboxgate.filter.audit;

/**
 * The audit trail's counters, registered as {@code dev.sandboxgate:type=Audit,name=<filter>-<node>} while the filter
 * is deployed. Counts are of records since deployment.
 */
public interface AuditMXBean {

    /** The chain's node id ({@code audit-node}). */
    String getNode();

    /** The sinks, by name, in delivery order. */
    String[] getSinks();

    /** Records every sink took directly (not through a spool). */
    long getWritten();

    /** Failed attempts to write a batch to a sink (each retried or spooled, never dropped). */
    long getFailed();

    /** Records appended to a spool because their sink was failing ({@code audit-overflow=spool}). */
    long getSpooled();

    /** Spooled records later written to their sink. */
    long getReplayed();

    /** Records waiting in the queue. */
    int getQueueDepth();

    /** Requests answered 503 {@code audit-unavailable} because the queue stayed full past the block timeout. */
    long getRefused();

    /** Refused requests whose own decision record found no room in the queue within the block timeout. */
    long getUnrecorded();
}
