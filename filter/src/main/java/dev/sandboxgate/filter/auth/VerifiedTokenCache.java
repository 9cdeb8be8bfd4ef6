package dev.sandboxgate.filter.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.sandboxgate.filter.Authentication;
import dev.sandboxgate.filter.SandboxPrincipal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Tokens that verified, so a repeat request costs a hash and a lookup instead of a signature check. Bounded (Caffeine,
 * size-based eviction); keyed by the SHA-256 of the token, so the cache holds no usable token; an entry never outlives
 * the token's {@code exp} (nor {@code expireAfterWrite}), and {@link #find} checks that again against the clock.
 */
final class VerifiedTokenCache {
    /** The SHA-256 of a token, as four longs: cheap to hash and compare. */
    record Key(long a, long b, long c, long d) {
    }

    /** The answer to give again, until {@code expiresAtMillis} (epoch milliseconds). */
    record Entry(Authentication.Authenticated answer, long expiresAtMillis) {
    }

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    });

    private final Clock clock;
    private final Duration maxAge;
    private final Cache<Key, Entry> cache;

    VerifiedTokenCache(CacheSpec spec, Clock clock) {
        this.clock = clock;
        this.maxAge = spec.expireAfterWrite();
        this.cache = !spec.enabled() ? null : Caffeine.newBuilder()
                .maximumSize(spec.maximumSize())
                .ticker(clock.equals(Clock.systemUTC()) ? Ticker.systemTicker()
                        : () -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                .expireAfter(new UntilTokenExpires())
                // Maintenance (eviction, expiry) on the calling thread, amortised: no hand-off to a pool per drain.
                .executor(Runnable::run)
                .build();
    }

    boolean enabled() {
        return cache != null;
    }

    static Key keyOf(String token) {
        MessageDigest sha256 = SHA256.get();
        ByteBuffer digest = ByteBuffer.wrap(sha256.digest(token.getBytes(StandardCharsets.UTF_8)));
        return new Key(digest.getLong(), digest.getLong(), digest.getLong(), digest.getLong());
    }

    /** The answer for a token that verified and has not expired since, or null. */
    Authentication.Authenticated find(Key key) {
        if (cache == null) {
            return null;
        }
        Entry entry = cache.getIfPresent(key);
        return entry != null && clock.millis() < entry.expiresAtMillis() ? entry.answer() : null;
    }

    /** Remembers a verified token until {@code exp} (or null: no expiry), at most {@code expireAfterWrite}. */
    void remember(Key key, SandboxPrincipal principal, Instant exp) {
        if (cache == null) {
            return;
        }
        Instant cap = clock.instant().plus(maxAge);
        Instant until = exp == null || exp.isAfter(cap) ? cap : exp;
        if (clock.instant().isBefore(until)) {
            cache.put(key, new Entry(new Authentication.Authenticated(principal), until.toEpochMilli()));
        }
    }

    /** Forgets every token, e.g. when the IdP stopped publishing a key. */
    void clear() {
        if (cache != null) {
            cache.invalidateAll();
        }
    }

    long size() {
        if (cache == null) {
            return 0;
        }
        cache.cleanUp();
        return cache.estimatedSize();
    }

    private final class UntilTokenExpires implements Expiry<Key, Entry> {
        @Override
        public long expireAfterCreate(Key key, Entry entry, long currentTime) {
            return TimeUnit.MILLISECONDS.toNanos(Math.max(0, entry.expiresAtMillis() - clock.millis()));
        }

        @Override
        public long expireAfterUpdate(Key key, Entry entry, long currentTime, long currentDuration) {
            return expireAfterCreate(key, entry, currentTime);
        }

        @Override
        public long expireAfterRead(Key key, Entry entry, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
