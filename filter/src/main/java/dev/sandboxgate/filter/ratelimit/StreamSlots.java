package dev.sandboxgate.filter.ratelimit;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts what is open at once per key (a subject, a workspace) against a cap. Counts live only while something is
 * open: a key whose count drops to zero is removed, so the map is bounded by the open exchanges themselves.
 */
final class StreamSlots {
    private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();

    /** Takes a slot of {@code key} if fewer than {@code cap} are taken; a cap of 0 means none. */
    boolean tryAcquire(String key, int cap) {
        if (cap == 0) {
            return true;
        }
        boolean[] taken = new boolean[1];
        open.compute(key, (k, count) -> {
            int now = count == null ? 0 : count;
            if (now >= cap) {
                return count;
            }
            taken[0] = true;
            return now + 1;
        });
        return taken[0];
    }

    void release(String key, int cap) {
        if (cap != 0) {
            open.computeIfPresent(key, (k, count) -> count <= 1 ? null : count - 1);
        }
    }

    /** Slots taken under {@code key} now. */
    int taken(String key) {
        return open.getOrDefault(key, 0);
    }
}
