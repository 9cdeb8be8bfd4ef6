package dev.sandboxgate.filter;

/**
 * How one request ended: reported once to the callbacks registered with {@link GateExchange#onEnd}, for refused
 * requests (the refusal's status, nothing relayed) as well as forwarded ones.
 *
 * @param status        the HTTP status the caller received (101 for an upgraded connection)
 * @param bytesIn       request body bytes relayed to the sandbox, or -1 when the relay did not count them
 * @param bytesOut      response body bytes relayed to the caller, or -1 when the relay did not count them
 * @param endedBy       which side ended the exchange
 * @param durationNanos from the filter's first look at the request to the end
 */
public record ExchangeOutcome(int status, long bytesIn, long bytesOut, EndedBy endedBy, long durationNanos) {

    /** Which side ended an exchange. */
    public enum EndedBy {
        /** The sandbox's answer was relayed whole (or its stream ended). */
        UPSTREAM,
        /** The caller went away, or closed its side. */
        CLIENT,
        /** The gateway answered or cut it: a refusal, a timeout, a limit. */
        GATEWAY,
        /** The connection to the sandbox failed or broke off. */
        ERROR
    }
}
