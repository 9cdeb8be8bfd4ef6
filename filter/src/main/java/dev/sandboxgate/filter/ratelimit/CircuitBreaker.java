package dev.sandboxgate.filter.ratelimit;

import io.github.bucket4j.TimeMeter;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps requests off a store that is failing: after {@code threshold} failures in a row it opens for
 * {@code openNanos}, during which nobody asks the store; then one request at a time probes it, and the first success
 * closes the breaker again. So an outage costs at most {@code threshold} timeouts per open period, not one per request.
 */
final class CircuitBreaker {
    private final int threshold;
    private final long openNanos;
    private final TimeMeter time;
    private final AtomicInteger failuresInARow = new AtomicInteger();
    private final AtomicBoolean probing = new AtomicBoolean();
    private final AtomicLong attempts = new AtomicLong();
    private volatile boolean open;
    private volatile long openUntil;

    CircuitBreaker(int threshold, long openNanos, TimeMeter time) {
        this.threshold = threshold;
        this.openNanos = openNanos;
        this.time = time;
    }

    /** Whether the caller may ask the store now; if so it must report {@link #succeeded} or {@link #failed}. */
    boolean allowsAttempt() {
        if (open && (time.currentTimeNanos() < openUntil || !probing.compareAndSet(false, true))) {
            return false;
        }
        attempts.incrementAndGet();
        return true;
    }

    void succeeded() {
        failuresInARow.set(0);
        open = false;
        probing.set(false);
    }

    /** Returns whether this failure opened the breaker (so that an outage is logged once per open period). */
    boolean failed() {
        if (failuresInARow.incrementAndGet() >= threshold || open) {
            openUntil = time.currentTimeNanos() + openNanos;
            open = true;
            probing.set(false);
            return true;
        }
        return false;
    }

    /** Nanoseconds until the store is asked again (0 when closed). */
    long retryNanos() {
        return open ? Math.max(0, openUntil - time.currentTimeNanos()) : 0;
    }

    /** How many times the store was asked: what the outage tests count. */
    long attempts() {
        return attempts.get();
    }
}
