package dev.sandboxgate.filter.auth;

import dev.sandboxgate.filter.metrics.GateMetrics;
import io.jsonwebtoken.security.Jwk;
import io.jsonwebtoken.security.JwkSet;
import io.jsonwebtoken.security.Jwks;
import io.jsonwebtoken.security.PublicJwk;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The signing keys an identity provider publishes at its JWKS URL, fetched with short timeouts and cached.
 * <ul>
 *   <li><b>Rotation:</b> a token naming a {@code kid} the cache does not hold triggers a refresh, so a new key is
 *       accepted as soon as the IdP publishes it; keys the IdP no longer publishes are dropped.
 *   <li><b>No amplification:</b> fetches (for any reason) start at most once per {@code cooldown}, and concurrent
 *       requests share one fetch, so tokens with random {@code kid}s cannot make the gateway hammer the IdP.
 *   <li><b>IdP down:</b> a failed fetch keeps the keys already held; they keep verifying until a fetch succeeds.
 *   <li><b>Freshness:</b> keys older than {@code refreshAfter} are refreshed in the background; requests go on
 *       with the keys held meanwhile.
 * </ul>
 */
final class JwksKeySource {
    private static final System.Logger LOG = System.getLogger(JwksKeySource.class.getName());
    /** A JWKS is a few KiB; anything far larger is not one. */
    static final int MAX_BODY_BYTES = 512 * 1024;

    /** One published key: its {@code kid} (may be null), the key, and the {@code alg} it is pinned to (may be null). */
    record JwkKey(String kid, PublicKey key, String alg) {
    }

    private record Snapshot(Map<String, JwkKey> byKid, List<JwkKey> all, Instant fetchedAt) {
        static final Snapshot EMPTY = new Snapshot(Map.of(), List.of(), null);
    }

    private final URI url;
    private final HttpClient http;
    private final Clock clock;
    private final Duration refreshAfter;
    private final Duration cooldown;
    private final Duration timeout;
    private final Runnable onKeysRemoved;
    private final Object lock = new Object();

    private volatile Snapshot snapshot = Snapshot.EMPTY;
    /** Guarded by {@link #lock}. */
    private CompletableFuture<Snapshot> inFlight;
    /** Guarded by {@link #lock}; null before the first fetch. */
    private Instant lastAttempt;

    JwksKeySource(URI url, Clock clock, Duration refreshAfter, Duration cooldown, Duration timeout,
                  Runnable onKeysRemoved) {
        this.url = url;
        this.clock = clock;
        this.refreshAfter = refreshAfter;
        this.cooldown = cooldown;
        this.timeout = timeout;
        this.onKeysRemoved = onKeysRemoved;
        this.http = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** Starts the first fetch in the background, so the keys are usually there before the first token. */
    void start() {
        refresh();
    }

    URI url() {
        return url;
    }

    /**
     * The key published under {@code kid}. Unknown, it refreshes the set (waiting at most the fetch timeout) unless a
     * fetch started less than a cooldown ago; returns null if the key is still unknown.
     */
    JwkKey find(String kid) {
        Snapshot current = snapshot;
        JwkKey key = current.byKid().get(kid);
        if (key != null) {
            if (isStale(current)) {
                refresh(); // in the background; this request goes on with the key it has
            }
            return key;
        }
        return awaitRefresh() ? snapshot.byKid().get(kid) : null;
    }

    /** Every key held now (for tokens without a {@code kid}); refreshes first if none is held yet. */
    List<JwkKey> all() {
        Snapshot current = snapshot;
        if (current.all().isEmpty() && awaitRefresh()) {
            current = snapshot;
        }
        if (isStale(current)) {
            refresh();
        }
        return current.all();
    }

    private boolean isStale(Snapshot s) {
        return s.fetchedAt() == null || !clock.instant().isBefore(s.fetchedAt().plus(refreshAfter));
    }

    /** Joins the running fetch or starts one if the cooldown allows; true if a fetch completed successfully. */
    private boolean awaitRefresh() {
        CompletableFuture<Snapshot> fetch = refresh();
        if (fetch == null) {
            return false;
        }
        try {
            fetch.get(timeout.toMillis() + 500, TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The running fetch, a new one if none ran within the cooldown, or null. */
    private CompletableFuture<Snapshot> refresh() {
        synchronized (lock) {
            if (inFlight != null) {
                return inFlight;
            }
            Instant now = clock.instant();
            if (lastAttempt != null && now.isBefore(lastAttempt.plus(cooldown))) {
                return null;
            }
            lastAttempt = now;
            CompletableFuture<Snapshot> fetch = fetch();
            inFlight = fetch;
            fetch.whenComplete((s, e) -> {
                synchronized (lock) {
                    inFlight = null;
                }
            });
            return fetch;
        }
    }

    private CompletableFuture<Snapshot> fetch() {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout)
                .header("Accept", "application/jwk-set+json, application/json").GET().build();
        CompletableFuture<Snapshot> fetched;
        try {
            fetched = http.sendAsync(request, info -> new LimitedBody(info.statusCode()))
                    .orTimeout(timeout.toMillis() * 2, TimeUnit.MILLISECONDS)
                    .thenApply(response -> parse(response.body()));
        } catch (RuntimeException e) {
            fetched = CompletableFuture.failedFuture(e);
        }
        return fetched.whenComplete((fresh, failure) -> {
            GateMetrics.jwksFetched(fresh != null);
            if (fresh != null) {
                install(fresh);
            } else {
                // The class only: messages may quote the response. The keys held stay in use.
                LOG.log(Level.WARNING, "JWKS fetch from {0} failed ({1}); keeping the {2} keys held",
                        url, rootCause(failure).getClass().getSimpleName(), snapshot.all().size());
            }
        });
    }

    private void install(Snapshot fresh) {
        Snapshot old = snapshot;
        snapshot = fresh;
        boolean removed = old.all().stream().anyMatch(k -> !fresh.all().contains(k));
        LOG.log(Level.DEBUG, "JWKS from {0}: {1} keys", url, fresh.all().size());
        if (removed) {
            onKeysRemoved.run();
        }
    }

    private Snapshot parse(String json) {
        JwkSet set = Jwks.setParser().ignoreUnsupported(true).build().parse(json);
        Map<String, JwkKey> byKid = new HashMap<>();
        List<JwkKey> all = new ArrayList<>();
        for (Jwk<?> jwk : set.getKeys()) {
            if (!(jwk instanceof PublicJwk<?> pub)
                    || (pub.getPublicKeyUse() != null && !pub.getPublicKeyUse().equals("sig"))) {
                continue;
            }
            PublicKey key = pub.toKey();
            if (PemKeys.weakness(key) != null) {
                continue;
            }
            JwkKey entry = new JwkKey(jwk.getId(), key, jwk.getAlgorithm());
            all.add(entry);
            if (entry.kid() != null) {
                byKid.putIfAbsent(entry.kid(), entry);
            }
        }
        return new Snapshot(Map.copyOf(byKid), List.copyOf(all), clock.instant());
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    /** Collects a 200 response's body as text, refusing other statuses and bodies past {@link #MAX_BODY_BYTES}. */
    private static final class LimitedBody implements HttpResponse.BodySubscriber<String> {
        private final int status;
        private final CompletableFuture<String> result = new CompletableFuture<>();
        private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        private Flow.Subscription subscription;

        LimitedBody(int status) {
            this.status = status;
        }

        @Override
        public CompletionStage<String> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (status != 200) {
                s.cancel();
                result.completeExceptionally(new IllegalStateException("JWKS answered HTTP " + status));
                return;
            }
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                bytes.write(chunk, 0, chunk.length);
            }
            if (bytes.size() > MAX_BODY_BYTES) {
                subscription.cancel();
                result.completeExceptionally(new IllegalStateException("JWKS larger than " + MAX_BODY_BYTES));
            }
        }

        @Override
        public void onError(Throwable throwable) {
            result.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            result.complete(bytes.toString(StandardCharsets.UTF_8));
        }
    }
}
