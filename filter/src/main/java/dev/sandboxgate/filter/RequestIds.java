package dev.sandboxgate.filter;

import java.util.UUID;
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
        return UUID.randomUUID().toString();
    }
}
