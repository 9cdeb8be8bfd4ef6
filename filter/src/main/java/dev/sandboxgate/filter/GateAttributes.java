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

    private GateAttributes() {
    }

    /** The principal of a request that passed the filter, or null if it did not. */
    public static SandboxPrincipal principal(ServletRequest request) {
        return request.getAttribute(PRINCIPAL) instanceof SandboxPrincipal p ? p : null;
    }

    /** The request id the filter assigned, or null if the request did not pass through it. */
    public static String requestId(ServletRequest request) {
        return request.getAttribute(REQUEST_ID) instanceof String id ? id : null;
    }
}
