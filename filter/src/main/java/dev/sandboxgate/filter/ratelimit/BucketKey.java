package dev.sandboxgate.filter.ratelimit;

import java.util.Objects;

/**
 * Whose bucket: a policy and the caller it counts for, either a subject in a workspace (workspace null when the
 * request names none) or, for {@code unauthenticated}, a client address as {@code subject} and no workspace. Looked up
 * on every request, so equality is spelled out (policies compare by identity) and the hash is computed once.
 */
final class BucketKey {
    private final RatePolicy policy;
    private final String subject;
    private final String workspace;
    private final int hash;

    BucketKey(RatePolicy policy, String subject, String workspace) {
        this.policy = policy;
        this.subject = subject;
        this.workspace = workspace;
        this.hash = (System.identityHashCode(policy) * 31 + subject.hashCode()) * 31 + Objects.hashCode(workspace);
    }

    RatePolicy policy() {
        return policy;
    }

    /** The key in a shared store: unambiguous whatever characters the subject holds (its length goes first). */
    String render(String prefix) {
        return prefix + policy.name() + ':' + subject.length() + ':' + subject + ':'
                + (workspace == null ? "" : workspace);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BucketKey key && hash == key.hash && policy == key.policy
                && subject.equals(key.subject) && Objects.equals(workspace, key.workspace);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
