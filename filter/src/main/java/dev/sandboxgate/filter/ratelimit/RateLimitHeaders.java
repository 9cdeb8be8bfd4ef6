package dev.sandboxgate.filter.ratelimit;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The response headers of a decision, in the syntax of draft-ietf-httpapi-ratelimit-headers-11 (May 2026; the
 * structured-field form introduced in -08): {@code RateLimit-Policy} is a List of quota policies, each a String naming
 * the policy with {@code q} (quota units) and {@code w} (window, seconds); {@code RateLimit} is a List of the current
 * limits, each a String naming the policy with {@code r} (remaining units) and {@code t} (seconds until the quota
 * resets, RFC 9651 Integers). A token bucket refills continuously: {@code q}/{@code w} state its rate, {@code r} the
 * tokens left, and {@code t} when the next token comes (when none is left, equal to {@code Retry-After}) or else when
 * the bucket is full again.
 *
 * <pre>
 * RateLimit-Policy: "acp.send";q=10;w=60
 * RateLimit: "acp.send";r=0;t=6
 * Retry-After: 6
 * </pre>
 */
final class RateLimitHeaders {
    private RateLimitHeaders() {
    }

    /** The headers of a counted decision; also {@code Retry-After} when it was refused. */
    static Map<String, String> of(Decision decision) {
        Map<String, String> headers = new LinkedHashMap<>(4);
        RatePolicy policy = decision.policy();
        headers.put("RateLimit-Policy", policy.headerItem());
        headers.put("RateLimit", "\"" + policy.name() + "\";r=" + decision.remaining() + ";t="
                + decision.waitSeconds());
        if (!decision.allowed()) {
            headers.put("Retry-After", Long.toString(Math.max(1, decision.waitSeconds())));
        }
        return headers;
    }
}
