package dev.sandboxgate.filter.auth;

import dev.sandboxgate.filter.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where a claim lives in a token's payload: a top-level name ({@code role}), a dotted path into nested objects
 * ({@code realm_access.roles}), or, for names that contain dots, a JSON Pointer ({@code /resource_access/my.app/roles},
 * RFC 6901, with {@code ~1} for '/' and {@code ~0} for '~').
 */
record ClaimPath(String text, List<String> segments) {

    static ClaimPath parse(Settings settings, String param, String text) {
        List<String> segments = new ArrayList<>();
        if (text.startsWith("/")) {
            for (String raw : text.substring(1).split("/", -1)) {
                segments.add(raw.replace("~1", "/").replace("~0", "~"));
            }
        } else {
            segments.addAll(List.of(text.split("\\.", -1)));
        }
        if (segments.stream().anyMatch(String::isEmpty)) {
            throw settings.invalid(param, text, "a claim name, a dotted path such as realm_access.roles, or a JSON "
                    + "Pointer such as /resource_access/my.app/roles");
        }
        return new ClaimPath(text, List.copyOf(segments));
    }

    /** The value at this path, or null when any step is missing or not an object. */
    Object in(Map<String, ?> claims) {
        Object current = claims;
        for (String segment : segments) {
            if (!(current instanceof Map<?, ?> map)) {
                return null;
            }
            current = map.get(segment);
        }
        return current;
    }

    @Override
    public String toString() {
        return text;
    }
}
