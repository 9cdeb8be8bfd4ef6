package dev.sandboxgate.filter.auth;

import dev.sandboxgate.filter.Settings;
import java.time.Duration;

/**
 * A compact cache setting for one init-param, in the manner of Caffeine's {@code CaffeineSpec}:
 * {@code maximumSize=10000,expireAfterWrite=10m}. {@code maximumSize=0} turns the cache off.
 */
record CacheSpec(long maximumSize, Duration expireAfterWrite) {

    static CacheSpec parse(Settings settings, String param, CacheSpec fallback) {
        String text = settings.optional(param).orElse(null);
        if (text == null) {
            return fallback;
        }
        long size = fallback.maximumSize();
        Duration ttl = fallback.expireAfterWrite();
        for (String part : text.split(",")) {
            String[] kv = part.trim().split("=", 2);
            if (kv.length != 2) {
                throw settings.invalid(param, text, "a list such as maximumSize=10000,expireAfterWrite=10m");
            }
            String value = kv[1].trim();
            switch (kv[0].trim()) {
                case "maximumSize" -> {
                    try {
                        size = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        size = -1;
                    }
                    if (size < 0) {
                        throw settings.invalid(param, text, "a spec whose maximumSize is a number of entries");
                    }
                }
                case "expireAfterWrite" -> {
                    ttl = Settings.of(param, name -> value, n -> null, n -> null).duration(param, null);
                    if (ttl.isZero()) {
                        throw settings.invalid(param, text, "a spec whose expireAfterWrite is above zero");
                    }
                }
                default -> throw settings.invalid(param, text,
                        "a spec of maximumSize and expireAfterWrite (unknown key '" + kv[0].trim() + "')");
            }
        }
        return new CacheSpec(size, ttl);
    }

    boolean enabled() {
        return maximumSize > 0;
    }
}
