package dev.sandboxgate.filter.metrics;

import dev.sandboxgate.filter.GateListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's meters (Micrometer), one registry per deployment: every part of the gateway records here, and each
 * way of publishing (the Prometheus endpoint, JMX) is a registry added to it. Until one is added, meters cost next to
 * nothing and are published nowhere.
 *
 * <p>For stages and listeners (audit queue depth, rate-limit backend errors, WebSocket sessions): register meters on
 * {@link #registry()} with names under {@code sandbox.gate.} and tags from small fixed sets only. Never tag a user,
 * workspace, session, request or sandbox-process id, a path or a token: every distinct value is a new time series
 * kept forever, and the ids are personal data.
 */
public final class GateMetrics {
    /** Kept by the class, so one deployment (one class loader) has one registry. */
    private static final CompositeMeterRegistry REGISTRY = new CompositeMeterRegistry();
    private static final Map<String, AtomicInteger> OPEN_STREAMS = new ConcurrentHashMap<>();

    private GateMetrics() {
    }

    /** Where the gateway's meters live; add your own here. */
    public static MeterRegistry registry() {
        return REGISTRY;
    }

    /** Publishes every meter (present and future) to {@code publisher} too. */
    public static void publishTo(MeterRegistry publisher) {
        REGISTRY.add(publisher);
    }

    public static void stopPublishingTo(MeterRegistry publisher) {
        REGISTRY.remove(publisher);
    }

    /**
     * The number of open long-lived streams of one {@code kind} ({@code sse}, {@code websocket}), as gauge
     * {@code sandbox.gate.open.streams}: increment when one opens, decrement when it ends.
     */
    public static AtomicInteger openStreams(String kind) {
        return OPEN_STREAMS.computeIfAbsent(kind, k -> {
            AtomicInteger count = new AtomicInteger();
            Gauge.builder("sandbox.gate.open.streams", count, AtomicInteger::get)
                    .description("Long-lived streams relayed right now").tag("kind", k).register(REGISTRY);
            return count;
        });
    }

    /** Counts one fetch of an identity provider's JWKS. */
    public static void jwksFetched(boolean succeeded) {
        Counter.builder("sandbox.gate.jwks.fetches").description("JWKS fetches from identity providers")
                .tag("result", succeeded ? "ok" : "failed").register(REGISTRY).increment();
    }

    /** The listener that counts and times every request the filter sees; the filter adds it last. */
    public static GateListener listener() {
        return new RequestMetrics(REGISTRY);
    }
}
