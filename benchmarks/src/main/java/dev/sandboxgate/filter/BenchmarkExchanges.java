package dev.sandboxgate.filter;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Benchmarks only: an exchange that authentication has already passed, so that a stage after it can be measured on
 * its own. Only this package can build one (the filter does, per request); this class lives in the benchmarks module
 * and never ships with the filter.
 */
public final class BenchmarkExchanges {
    private BenchmarkExchanges() {
    }

    public static GateExchange authenticated(HttpServletRequest request, SandboxPrincipal principal) {
        GateExchange exchange = new GateExchange(request, "benchmark",
                TraceContext.acceptOrStart(java.util.List.of(), java.util.List.of()));
        exchange.authenticated(principal);
        return exchange;
    }
}
