package dev.sandboxgate.filter;

/**
 * One step of {@link SandboxAuthFilter}'s chain: authenticate, authorize, rate-limit, audit. Stages run in order on
 * the request thread; the first refusal ends the request and nothing is forwarded.
 */
public interface Stage {

    /** Returns null to let the exchange proceed, or the refusal to answer it with. */
    Refusal apply(GateExchange exchange);
}
