package dev.sandboxgate.filter.authz;

import dev.sandboxgate.filter.path.PercentDecoding;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A raw query string read the way the sandbox reads it ({@code application/x-www-form-urlencoded} as Rust's
 * {@code serde_urlencoded} does: pairs split on {@code &}, empty pairs skipped, name and value split at the first
 * {@code =}, both {@code +}-as-space and percent-decoded), so {@code pa%74h} is {@code path}. Where the sandbox's
 * reader is lenient (an invalid {@code %}, bytes that are not UTF-8, which it replaces) this one refuses, so the two
 * readings cannot differ.
 */
final class QueryParameters {
    private final List<Map.Entry<String, String>> pairs;

    private QueryParameters(List<Map.Entry<String, String>> pairs) {
        this.pairs = pairs;
    }

    static QueryParameters parse(String rawQuery) throws PercentDecoding.Invalid {
        List<Map.Entry<String, String>> pairs = new ArrayList<>();
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&", -1)) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = PercentDecoding.decode(eq < 0 ? pair : pair.substring(0, eq), true);
                String value = eq < 0 ? "" : PercentDecoding.decode(pair.substring(eq + 1), true);
                pairs.add(Map.entry(name, value));
            }
        }
        return new QueryParameters(List.copyOf(pairs));
    }

    /** Every value of {@code name}, decoded, in order. */
    List<String> values(String name) {
        List<String> values = new ArrayList<>(1);
        for (Map.Entry<String, String> pair : pairs) {
            if (pair.getKey().equals(name)) {
                values.add(pair.getValue());
            }
        }
        return values;
    }
}
