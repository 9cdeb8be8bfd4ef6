package dev.sandboxgate.filter.ratelimit;

import dev.sandboxgate.filter.ProblemType;
import dev.sandboxgate.filter.Refusal;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a bucket said about one request.
 *
 * @param verdict   allowed, limited, or unknown because the shared store could not be asked
 * @param policy    the policy that decided
 * @param remaining tokens left after this request
 * @param waitNanos when limited: until the next token; when allowed: until the bucket is full again; when the store
 *                  is unavailable: until it is asked again
 */
record Decision(Verdict verdict, RatePolicy policy, long remaining, long waitNanos) {

    /** {@code UNCHECKED}: the shared store could not be asked and {@code rate-limit-redis-failure=open}. */
    enum Verdict { ALLOWED, LIMITED, UNAVAILABLE, UNCHECKED }

    static Decision of(RatePolicy policy, ConsumptionProbe probe) {
        return probe.isConsumed()
                ? new Decision(Verdict.ALLOWED, policy, probe.getRemainingTokens(), probe.getNanosToWaitForReset())
                : new Decision(Verdict.LIMITED, policy, 0, probe.getNanosToWaitForRefill());
    }

    static Decision of(RatePolicy policy, EstimationProbe probe) {
        return probe.canBeConsumed()
                ? new Decision(Verdict.ALLOWED, policy, probe.getRemainingTokens(), 0)
                : new Decision(Verdict.LIMITED, policy, 0, probe.getNanosToWaitForRefill());
    }

    /** A bucket nobody has drawn from yet. */
    static Decision untouched(RatePolicy policy) {
        return new Decision(Verdict.ALLOWED, policy, policy.burst(), 0);
    }

    static Decision unavailable(RatePolicy policy, long retryNanos) {
        return new Decision(Verdict.UNAVAILABLE, policy, 0, retryNanos);
    }

    static Decision unchecked(RatePolicy policy) {
        return new Decision(Verdict.UNCHECKED, policy, 0, 0);
    }

    boolean allowed() {
        return verdict == Verdict.ALLOWED || verdict == Verdict.UNCHECKED;
    }

    /** Whether the decision knows the bucket's state, and so can be shown in {@code RateLimit} headers. */
    boolean counted() {
        return verdict == Verdict.ALLOWED || verdict == Verdict.LIMITED;
    }

    /** {@link #waitNanos} in whole seconds, rounded up: a client that waits this long finds a token. */
    long waitSeconds() {
        return (waitNanos + TimeUnit.SECONDS.toNanos(1) - 1) / TimeUnit.SECONDS.toNanos(1);
    }

    /** The refusal for a request this decision does not let through, or null. */
    Refusal refusal() {
        return switch (verdict) {
            case ALLOWED, UNCHECKED -> null;
            case LIMITED -> new Refusal(ProblemType.RATE_LIMITED, "Rate limit '" + policy.name() + "' ("
                    + policy.tokens() + " per " + policy.period().toSeconds() + " s, burst " + policy.burst()
                    + ") exceeded; retry in " + Math.max(1, waitSeconds()) + " s.", RateLimitHeaders.of(this));
            case UNAVAILABLE -> new Refusal(ProblemType.RATE_LIMIT_UNAVAILABLE, "The rate limiter cannot be "
                    + "consulted right now; retry shortly.", Map.of("Retry-After",
                    Long.toString(Math.max(1, waitSeconds()))));
        };
    }
}
