package dev.sandboxgate.filter;

import java.util.Map;
import java.util.Objects;

/**
 * A stage's "no": the problem to answer with and any headers that belong to it (such as {@code WWW-Authenticate}).
 */
public record Refusal(ProblemType type, String detail, Map<String, String> headers) {

    public Refusal {
        Objects.requireNonNull(type, "type");
        headers = Map.copyOf(headers);
    }

    public static Refusal of(ProblemType type, String detail) {
        return new Refusal(type, detail, Map.of());
    }
}
