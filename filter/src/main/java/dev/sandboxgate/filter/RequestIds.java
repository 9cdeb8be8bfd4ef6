package dev.sandboxgate.filter;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/** Accepts a caller's {@code X-Request-Id} only when it is well-formed, so it can be logged and echoed safely. */
final class RequestIds {
    static final String HEADER = "X-Request-Id";

    private static final Pattern WELL_FORMED = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    private RequestIds() {
    }

    static String acceptOrGenerate(String offered) {
        if (offered != null && WELL_FORMED.matcher(offered).matches()) {
            return offered;
        }
        return generate();
    }

    /**
     * A random (version 4) UUID. An id correlates log lines and audit records; it grants nothing, so it needs to be
     * unique, not unpredictable: {@code UUID.randomUUID()} would read the shared SecureRandom on every request
     * (a lock and a read of {@code /dev/urandom}, about a fifth of the gate's own cost per request).
     */
    static String generate() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L; // version 4
        long low = (random.nextLong() & ~(3L << 62)) | (2L << 62); // IETF variant
        return new UUID(high, low).toString();
    }
}
