package dev.sandboxgate.filter;

import jakarta.servlet.http.HttpServletRequest;

/**
 * One request on its way through the chain: what the stages have established about it so far. Confined to the
 * request thread, so it needs no synchronisation.
 */
public final class GateExchange {
    private final HttpServletRequest request;
    private final String requestId;
    private SandboxPrincipal principal;

    GateExchange(HttpServletRequest request, String requestId) {
        this.request = request;
        this.requestId = requestId;
    }

    public HttpServletRequest request() {
        return request;
    }

    public String requestId() {
        return requestId;
    }

    /** The authenticated caller, or null before the authentication stage has run. */
    public SandboxPrincipal principal() {
        return principal;
    }

    void authenticated(SandboxPrincipal principal) {
        this.principal = principal;
    }
}
