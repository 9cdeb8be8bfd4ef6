package dev.sandboxgate.filter.authz;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * The default {@link SessionRegistry}: at most {@code maximumSize} bindings in memory, least recently used evicted
 * first. Bindings do not survive a restart: afterwards, the first caller to use a still-running server id claims it
 * (so, after a restart, a workspace owner should delete the sandbox's stale ACP servers).
 */
final class InMemorySessionRegistry implements SessionRegistry {
    private final Cache<String, Binding> bindings;

    InMemorySessionRegistry(long maximumSize) {
        // Maintenance on the calling thread: handing each read-buffer drain to the common pool costs an unpark.
        this.bindings = Caffeine.newBuilder().maximumSize(maximumSize).executor(Runnable::run).build();
    }

    @Override
    public Binding find(String serverId) {
        return bindings.getIfPresent(serverId);
    }

    @Override
    public Binding claim(String serverId, String workspaceId, String creator) {
        Binding current = bindings.getIfPresent(serverId);
        if (current != null && (creator == null || current.creator() != null
                || !current.workspaceId().equals(workspaceId))) {
            return current; // nothing to change (every stream of a bound id): no write, no lock
        }
        return bindings.asMap().compute(serverId, (id, bound) -> {
            if (bound == null) {
                return new Binding(workspaceId, creator);
            }
            if (bound.creator() == null && creator != null && bound.workspaceId().equals(workspaceId)) {
                return new Binding(workspaceId, creator);
            }
            return bound;
        });
    }
}
