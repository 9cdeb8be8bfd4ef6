package dev.sandboxgate.filter.audit;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Walks records in stored order and finds the first that breaks its node's chain. {@code elsewhere} tells, for a gap,
 * whether the missing record is somewhere else in the store (then it was moved: reordered) or nowhere (deleted).
 */
final class ChainCheck {
    interface Locator {
        /** Where record {@code seq} of {@code node} is stored, or null when it is not. */
        String find(String node, long seq);
    }

    private final Map<String, AuditRecord> heads = new HashMap<>();
    private final Locator elsewhere;
    private long records;

    ChainCheck(Locator elsewhere) {
        this.elsewhere = elsewhere;
    }

    long records() {
        return records;
    }

    int chains() {
        return heads.size();
    }

    /** Null when {@code record} (stored at {@code where}) continues its chain; otherwise what is wrong. */
    String accept(String where, AuditRecord record) {
        records++;
        String at = where + " (node " + record.node() + ", seq " + record.seq() + ")";
        if (record.node() == null || !record.hashMatches()) {
            return at + ": MODIFIED: its hash does not match its content";
        }
        AuditRecord previous = heads.get(record.node());
        boolean unlinkedStart = AuditRecord.CHAIN_START.equals(record.event()) && record.prevHash() == null;
        if (unlinkedStart) {
            heads.put(record.node(), record); // a writer that started without knowing the chain (a log sink only)
            return null;
        }
        long expected = previous == null ? 1 : previous.seq() + 1;
        if (record.seq() < expected) {
            return at + ": REORDERED: it comes after seq " + (expected - 1) + " (or it is a duplicate)";
        }
        if (record.seq() > expected) {
            String moved = elsewhere.find(record.node(), expected);
            return moved != null
                    ? at + ": REORDERED: seq " + expected + " should come before it but is stored at " + moved
                    : at + ": DELETED: seq " + expected + (record.seq() - 1 > expected ? " to " + (record.seq() - 1)
                    : "") + " missing before it";
        }
        if (!Objects.equals(record.prevHash(), previous == null ? null : previous.hash())) {
            return at + ": MODIFIED: its prevHash does not match the record before it";
        }
        heads.put(record.node(), record);
        return null;
    }
}
