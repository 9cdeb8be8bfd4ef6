package dev.sandboxgate.filter.ratelimit;

/** What a request gets when the shared store cannot decide in time ({@code rate-limit-redis-failure}). */
enum FailureMode {
    /** Let it through, unlimited: availability over the limit. */
    OPEN,
    /** Refuse it with 503 {@code rate-limit-unavailable}: the limit over availability. */
    CLOSED
}
