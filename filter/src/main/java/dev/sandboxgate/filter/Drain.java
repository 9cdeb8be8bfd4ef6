package dev.sandboxgate.filter;

import jakarta.servlet.ServletContext;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Graceful shutdown of one deployment of the gateway, shared by the filter and the proxy through a servlet-context
 * attribute, because containers destroy them in different orders (Jetty filters first, Tomcat servlets first).
 * Whichever is destroyed first drains; the other finds it drained.
 *
 * <p>Draining: new requests are refused at once (503 {@code shutting-down} with {@code Retry-After}, see
 * {@link SandboxAuthFilter}); open event streams end cleanly at once, so the SDK reconnects with
 * {@code Last-Event-ID} to another node; other exchanges may finish within the grace period ({@code shutdown-grace}),
 * after which those still waiting for the sandbox are answered 503 and the rest are cut.
 */
public final class Drain {
    private static final System.Logger LOG = System.getLogger(Drain.class.getName());
    /** The servlet-context attribute holding the deployment's drain. */
    public static final String ATTRIBUTE = "dev.sandboxgate.drain";
    /** The {@code Retry-After} (seconds) of a refusal while draining: by then another node answers. */
    public static final String RETRY_AFTER_SECONDS = "5";
    /** How long exchanges cut at the end of the grace period get to report their end. */
    private static final Duration CUT_WAIT = Duration.ofSeconds(2);

    /** What an exchange is told while the gateway drains; see {@link GateExchange#onDrain}. */
    public enum Phase {
        /** Draining has begun: end event streams now (cleanly). */
        STREAMS_END,
        /** The grace period is over: answer 503 if nothing was answered yet, else cut. */
        GRACE_EXPIRED
    }

    private final Set<GateExchange> open = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final CountDownLatch drained = new CountDownLatch(1);
    private volatile Duration grace = Duration.ofSeconds(20);

    Drain() {
    }

    /** The drain of the deployment {@code context} belongs to, created on first use. */
    public static Drain of(ServletContext context) {
        synchronized (Drain.class) {
            if (context.getAttribute(ATTRIBUTE) instanceof Drain drain) {
                return drain;
            }
            Drain drain = new Drain();
            context.setAttribute(ATTRIBUTE, drain);
            return drain;
        }
    }

    void grace(Duration grace) {
        this.grace = grace;
    }

    public Duration grace() {
        return grace;
    }

    /** False once draining has begun. */
    public boolean accepting() {
        return !draining.get();
    }

    /** Tracks {@code exchange} until it ends; false (and not tracked) when the gateway is draining. */
    boolean admit(GateExchange exchange) {
        open.add(exchange);
        exchange.onEnd(outcome -> open.remove(exchange));
        if (draining.get()) {
            open.remove(exchange);
            return false;
        }
        return true;
    }

    /** Exchanges under way. */
    public int openExchanges() {
        return open.size();
    }

    /**
     * Drains, blocking until every exchange has ended or the grace period (plus a moment for cut exchanges) is over.
     * Idempotent: a second caller waits for the first's drain.
     */
    public void drain() {
        if (!draining.compareAndSet(false, true)) {
            awaitQuietly(drained, grace.plus(CUT_WAIT));
            return;
        }
        try {
            LOG.log(Level.INFO, "draining: {0} exchanges open, grace {1}", open.size(), grace);
            open.forEach(exchange -> exchange.drain(Phase.STREAMS_END));
            if (!awaitEmpty(grace)) {
                LOG.log(Level.WARNING, "draining: {0} exchanges still open after the grace period; ending them",
                        open.size());
                open.forEach(exchange -> exchange.drain(Phase.GRACE_EXPIRED));
                awaitEmpty(CUT_WAIT);
            }
        } finally {
            drained.countDown();
        }
    }

    private boolean awaitEmpty(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!open.isEmpty()) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    private static void awaitQuietly(CountDownLatch latch, Duration timeout) {
        try {
            latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
