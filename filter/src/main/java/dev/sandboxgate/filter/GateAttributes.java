package dev.sandboxgate.filter;

import jakarta.servlet.ServletRequest;

/**
 * The request attributes through which {@link SandboxAuthFilter} hands its results to the proxy and the application.
 * Only server-side code can set request attributes, so their presence proves the request passed the filter.
 */
public final class GateAttributes {
    /** The {@link SandboxPrincipal} of a request that passed every stage. */
    public static final String PRINCIPAL = "dev.sandboxgate.principal";
    /** The request id ({@code X-Request-Id}) under which the request is answered, forwarded and audited. */
    public static final String REQUEST_ID = "dev.sandboxgate.requestId";
    /** The {@link GateExchange} of a request that passed every stage: the relay reports its end there. */
    public static final String EXCHANGE = "dev.sandboxgate.exchange";

    private GateAttributes() {
    }

    /** The principal of a request that passed the filter, or null if it did not. */
    public static SandboxPrincipal principal(ServletRequest request) {
        return request.getAttribute(PRINCIPAL) instanceof SandboxPrincipal p ? p : null;
    }

    /** The exchange of a request that passed the filter, or null if it did not. */
    public static GateExchange exchange(ServletRequest request) {
        return request.getAttribute(EXCHANGE) instanceof GateExchange e ? e : null;
    }

    /** The request id the filter assigned, or null if the request did not pass through it. */
    public static String requestId(ServletRequest request) {
        return request.getAttribute(REQUEST_ID) instanceof String id ? id : null;
    }
}
