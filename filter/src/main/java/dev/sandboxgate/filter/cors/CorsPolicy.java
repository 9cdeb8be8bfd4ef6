package dev.sandboxgate.filter.cors;

import dev.sandboxgate.filter.Settings;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Cross-origin access for browser apps on other origins (the Fetch standard's CORS protocol), answered by the gateway
 * itself: a preflight is answered before authentication and never forwarded (it carries no credential, and the
 * sandbox has CORS off); an actual request from an origin not on the list is refused. Off unless
 * {@code cors-allowed-origins} is set. Built once from the filter's init-params:
 * <ul>
 *   <li>{@code cors-allowed-origins}: exact origins ({@code https://app.example.com}), comma-separated, or {@code *}
 *       (any origin, only without credentials);
 *   <li>{@code cors-allowed-methods}, {@code cors-allowed-headers}, {@code cors-exposed-headers},
 *       {@code cors-max-age}, {@code cors-allow-credentials} (see the README for defaults).
 * </ul>
 * Every response of a CORS-enabled gateway carries {@code Vary: Origin}, so a shared cache never hands one origin's
 * answer to another.
 */
public final class CorsPolicy {
    static final String ORIGINS = "cors-allowed-origins";
    static final String METHODS = "cors-allowed-methods";
    static final String HEADERS = "cors-allowed-headers";
    static final String EXPOSED = "cors-exposed-headers";
    static final String MAX_AGE = "cors-max-age";
    static final String CREDENTIALS = "cors-allow-credentials";

    static final List<String> DEFAULT_METHODS = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE");
    static final List<String> DEFAULT_HEADERS = List.of("Authorization", "Content-Type", "Accept", "Last-Event-ID",
            "X-Request-Id", "traceparent", "tracestate");
    static final List<String> DEFAULT_EXPOSED = List.of("X-Request-Id", "RateLimit", "RateLimit-Policy",
            "Retry-After", "WWW-Authenticate");
    private static final Pattern ORIGIN =
            Pattern.compile("https?://([a-z0-9.-]+|\\[[0-9a-f:.]+\\])(:[0-9]{1,5})?");
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    private final Set<String> origins;
    private final boolean anyOrigin;
    private final Set<String> methods;
    private final Set<String> headers;
    private final String allowMethods;
    private final String exposeHeaders;
    private final String maxAge;
    private final boolean credentials;

    private CorsPolicy(Set<String> origins, boolean anyOrigin, Set<String> methods, List<String> headers,
                       List<String> exposed, Duration maxAge, boolean credentials) {
        this.origins = Set.copyOf(origins);
        this.anyOrigin = anyOrigin;
        this.methods = Set.copyOf(methods);
        this.headers = headers.stream().map(h -> h.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        this.allowMethods = String.join(", ", methods);
        this.exposeHeaders = String.join(", ", exposed);
        this.maxAge = Long.toString(maxAge.toSeconds());
        this.credentials = credentials;
    }

    /** The configured policy, or null when {@code cors-allowed-origins} is not set (CORS off). */
    public static CorsPolicy from(Settings settings) {
        List<String> configured = settings.list(ORIGINS);
        if (configured.isEmpty()) {
            return null;
        }
        boolean credentials = settings.bool(CREDENTIALS, false);
        boolean any = configured.contains("*");
        if (any && credentials) {
            throw settings.invalid(ORIGINS, "*", "allowed together with " + CREDENTIALS + "=true: list the origins "
                    + "that may send credentials");
        }
        if (any && configured.size() > 1) {
            throw settings.invalid(ORIGINS, String.join(",", configured), "either '*' or a list of origins");
        }
        Set<String> origins = new LinkedHashSet<>();
        if (!any) {
            for (String origin : configured) {
                String lower = origin.toLowerCase(Locale.ROOT);
                if (!ORIGIN.matcher(lower).matches()) {
                    throw settings.invalid(ORIGINS, origin, "a list of origins like https://app.example.com:8443 "
                            + "(scheme, host and optional port; no path, no 'null')");
                }
                origins.add(lower);
            }
        }
        Set<String> methods = new LinkedHashSet<>(tokens(settings, METHODS, DEFAULT_METHODS, true));
        return new CorsPolicy(origins, any, methods, tokens(settings, HEADERS, DEFAULT_HEADERS, false),
                tokens(settings, EXPOSED, DEFAULT_EXPOSED, false),
                settings.duration(MAX_AGE, Duration.ofMinutes(10)), credentials);
    }

    private static List<String> tokens(Settings settings, String param, List<String> fallback, boolean upper) {
        List<String> values = settings.list(param);
        if (values.isEmpty()) {
            return fallback;
        }
        for (String value : values) {
            if (!TOKEN.matcher(value).matches() || value.equals("*")) {
                throw settings.invalid(param, value, "a comma-separated list of HTTP tokens (no '*')");
            }
        }
        return upper ? values.stream().map(v -> v.toUpperCase(Locale.ROOT)).toList() : values;
    }

    /** A CORS preflight: {@code OPTIONS} with {@code Origin} and {@code Access-Control-Request-Method}. */
    public static boolean isPreflight(HttpServletRequest request) {
        return request.getMethod().equals("OPTIONS") && request.getHeader("Origin") != null
                && request.getHeader("Access-Control-Request-Method") != null;
    }

    /**
     * Answers a preflight: 204 with the allowances when origin, method and every requested header are allowed;
     * false (nothing written but {@code Vary}) otherwise, for the caller to refuse.
     */
    public boolean answerPreflight(HttpServletRequest request, HttpServletResponse response) {
        response.addHeader("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
        String origin = request.getHeader("Origin");
        String method = request.getHeader("Access-Control-Request-Method");
        if (!allows(origin, request) || !methods.contains(method) || !allowsHeaders(request.getHeader(
                "Access-Control-Request-Headers"))) {
            return false;
        }
        allowOrigin(origin, response);
        response.setHeader("Access-Control-Allow-Methods", allowMethods);
        String requested = request.getHeader("Access-Control-Request-Headers");
        if (requested != null && !requested.isBlank()) {
            response.setHeader("Access-Control-Allow-Headers", requested);
        }
        response.setHeader("Access-Control-Max-Age", maxAge);
        response.setStatus(HttpServletResponse.SC_NO_CONTENT);
        return true;
    }

    /**
     * For an actual request: adds the CORS response headers when its {@code Origin} is allowed (or it has none) and
     * says so; false means a browser on a foreign origin sent it, and it must be refused.
     */
    public boolean admit(HttpServletRequest request, HttpServletResponse response) {
        response.addHeader("Vary", "Origin");
        String origin = request.getHeader("Origin");
        if (origin == null) {
            return true; // not a browser's cross-origin request
        }
        if (!allows(origin, request)) {
            return false;
        }
        allowOrigin(origin, response);
        response.setHeader("Access-Control-Expose-Headers", exposeHeaders);
        return true;
    }

    private void allowOrigin(String origin, HttpServletResponse response) {
        response.setHeader("Access-Control-Allow-Origin", anyOrigin ? "*" : origin);
        if (credentials) {
            response.setHeader("Access-Control-Allow-Credentials", "true");
        }
    }

    private boolean allows(String origin, HttpServletRequest request) {
        if (origin.indexOf(',') >= 0 || origin.indexOf(' ') >= 0) {
            return false; // one origin per request; a list is not an origin
        }
        String lower = origin.toLowerCase(Locale.ROOT);
        return anyOrigin ? !lower.equals("null") : origins.contains(lower) || isSameOrigin(lower, request);
    }

    /** Browsers send {@code Origin} on same-origin POSTs too; a page served by the gateway's own host may call it. */
    private static boolean isSameOrigin(String origin, HttpServletRequest request) {
        String host = request.getHeader("Host");
        return host != null && origin.equals(request.getScheme() + "://" + host.toLowerCase(Locale.ROOT));
    }

    private boolean allowsHeaders(String requested) {
        if (requested == null || requested.isBlank()) {
            return true;
        }
        return headersOf(List.of(requested.split(","))).stream().allMatch(headers::contains);
    }

    private static Set<String> headersOf(Collection<String> names) {
        return names.stream().map(String::trim).filter(n -> !n.isEmpty()).map(n -> n.toLowerCase(Locale.ROOT))
                .collect(Collectors.toSet());
    }
}
