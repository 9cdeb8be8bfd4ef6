package dev.sandboxgate.filter.auth;

import jakarta.servlet.http.HttpServletRequest;

/** Reads an RFC 6750 bearer token from the {@code Authorization} header. */
final class BearerToken {
    private static final String SCHEME = "Bearer ";

    private BearerToken() {
    }

    /** The token, or null when the header is absent, of another scheme, or empty. */
    static String from(HttpServletRequest request) {
        String header = request.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return null;
        }
        String token = header.substring(SCHEME.length()).trim();
        return token.isEmpty() ? null : token;
    }
}
