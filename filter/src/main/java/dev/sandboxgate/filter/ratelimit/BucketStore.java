package dev.sandboxgate.filter.ratelimit;

/** Where buckets live: this JVM ({@link LocalBuckets}) or Redis, shared by a cluster ({@link RedisBuckets}). */
interface BucketStore extends AutoCloseable {

    /** Takes one token from {@code key}'s bucket if it has one. */
    Decision consume(BucketKey key);

    /** Whether {@code key}'s bucket has a token, without taking it. */
    Decision peek(BucketKey key);

    @Override
    void close();
}
