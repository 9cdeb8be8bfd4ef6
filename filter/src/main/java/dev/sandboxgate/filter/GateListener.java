package dev.sandboxgate.filter;

/**
 * Watches every request the filter sees, refused or forwarded: the audit trail and metrics are listeners. Listeners
 * run on the request thread (decisions) and on whichever thread ends the exchange (ends), so they must not block for
 * long and must be thread-safe.
 */
public interface GateListener {

    /**
     * Called once, after the stages: {@code refusal} is null when the request is about to be forwarded. A listener
     * that cannot let a forwarded request go on (an audit trail that cannot record it) returns its refusal; later
     * listeners then see that refusal. Returns null otherwise.
     */
    default Refusal decided(GateExchange exchange, Refusal refusal) {
        return null;
    }

    /** Called once when a forwarded request has ended (not for refused ones: their decision says it all). */
    default void ended(GateExchange exchange, ExchangeOutcome outcome) {
    }
}
