package dev.sandboxgate.filter.ratelimit;

import dev.sandboxgate.filter.GateExchange;
import dev.sandboxgate.filter.Refusal;
import dev.sandboxgate.filter.SandboxPrincipal;
import dev.sandboxgate.filter.Stage;

/**
 * After authorization: one token from the bucket of the caller (subject) in the workspace, for the operation's policy
 * ({@code default} when it has no row of its own); then the stream caps. Runs after authorization so that it knows
 * the operation and the workspace, and so that requests refused anyway do not spend the caller's tokens.
 */
final class RateLimitStage implements Stage {
    private final RatePolicies policies;
    private final BucketStore store;
    private final StreamCaps caps;
    private final boolean headersOnAllowed;

    RateLimitStage(RatePolicies policies, BucketStore store, StreamCaps caps, boolean headersOnAllowed) {
        this.policies = policies;
        this.store = store;
        this.caps = caps;
        this.headersOnAllowed = headersOnAllowed;
    }

    @Override
    public Refusal apply(GateExchange exchange) {
        SandboxPrincipal principal = exchange.principal();
        if (principal == null) {
            return null; // nobody to count; the chain refuses such a request anyway
        }
        Decision decision = decide(principal.subject(), exchange.workspace(), exchange.operation());
        if (decision != null) {
            Refusal refusal = decision.refusal();
            if (refusal != null) {
                return refusal;
            }
            if (headersOnAllowed && decision.counted()) {
                RateLimitHeaders.of(decision).forEach(exchange::responseHeader);
            }
        }
        return caps == null ? null : caps.acquire(exchange, principal.subject());
    }

    /** Takes the token; null when no policy applies. */
    Decision decide(String subject, String workspace, String operation) {
        RatePolicy policy = policies == null ? null : policies.forOperation(operation);
        return policy == null ? null : store.consume(new BucketKey(policy, subject, workspace));
    }
}
