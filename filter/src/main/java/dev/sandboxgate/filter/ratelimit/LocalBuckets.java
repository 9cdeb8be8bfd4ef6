package dev.sandboxgate.filter.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;

/**
 * Buckets in this JVM, in a Caffeine cache bounded by entry count and expiring after {@code idle} without access, so
 * a flood of distinct keys cannot exhaust the heap. With {@code idle} at least the longest time a bucket takes to
 * fill, expiry never forgives anything: an expired bucket would have been full again. Only the size bound can evict a
 * bucket early (Caffeine picks which); the README says so.
 */
final class LocalBuckets implements BucketStore {
    private final Cache<BucketKey, Bucket> buckets;
    private final TimeMeter time;

    LocalBuckets(long maximumSize, Duration idle, TimeMeter time) {
        this.time = time;
        this.buckets = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .expireAfterAccess(idle)
                .ticker(time::currentTimeNanos)
                // Maintenance on the calling thread: handing each drain to the common pool costs an unpark per
                // batch (measured on the JWT cache, see BENCHMARKS.md).
                .executor(Runnable::run)
                .build();
    }

    @Override
    public Decision consume(BucketKey key) {
        Bucket bucket = buckets.getIfPresent(key);
        if (bucket == null) {
            bucket = buckets.get(key, this::newBucket);
        }
        return Decision.of(key.policy(), bucket.tryConsumeAndReturnRemaining(1));
    }

    @Override
    public Decision peek(BucketKey key) {
        Bucket bucket = buckets.getIfPresent(key);
        return bucket == null ? Decision.untouched(key.policy())
                : Decision.of(key.policy(), bucket.estimateAbilityToConsume(1));
    }

    private Bucket newBucket(BucketKey key) {
        return Bucket.builder().addLimit(key.policy().configuration().getBandwidths()[0])
                .withCustomTimePrecision(time).build();
    }

    /** Entries held now, after pending evictions: for tests of the bound. */
    long size() {
        buckets.cleanUp();
        return buckets.estimatedSize();
    }

    @Override
    public void close() {
        buckets.invalidateAll();
    }
}
