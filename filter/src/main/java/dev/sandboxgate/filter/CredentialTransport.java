package dev.sandboxgate.filter;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where callers' credentials travel, and how they are kept from everything behind the filter.
 *
 * <p><b>The {@code access_token} query parameter.</b> Browsers cannot set headers on {@code EventSource} or WebSocket
 * requests, and the official SDK sends its token as {@code access_token} on WebSocket upgrades. So on those requests
 * only (by default) the parameter is read as the bearer token: a GET that accepts {@code text/event-stream}, a GET of
 * the SSE routes {@code /v1/acp/{id}} and {@code /v1/processes/{id}/logs?follow=true}, and a WebSocket upgrade.
 * {@code access-token-query=off} turns it off; {@code access-token-param} renames it. It is read from the raw query
 * string (never through {@code getParameter}, which would consume a form body), it is never logged, and it is removed
 * from every request handed on, whether it was accepted or not.
 *
 * <p><b>Hiding.</b> The request handed on hides {@code Authorization}, {@code Proxy-Authorization} and any dedicated
 * credential header (an API-key header) from {@code getHeader*}, and the token parameter from
 * {@code getQueryString()} and {@code getParameter*}; the rest of the query string is kept byte for byte.
 */
final class CredentialTransport {
    static final String AUTHORIZATION = "Authorization";
    private static final Pattern SSE_PATH = Pattern.compile("/[^/]+/v1/acp/[^/]+");
    private static final Pattern LOGS_PATH = Pattern.compile("/[^/]+/v1/processes/[^/]+/logs");
    private static final Pattern FOLLOW = Pattern.compile("(^|&)follow=(true|1)(&|$)");

    private final String param;
    private final boolean queryTokens;
    private final Set<String> hiddenHeaders;

    CredentialTransport(String param, boolean queryTokens, Set<String> credentialHeaders) {
        this.param = param;
        this.queryTokens = queryTokens;
        java.util.HashSet<String> hidden = new java.util.HashSet<>(Set.of("authorization", "proxy-authorization"));
        credentialHeaders.forEach(h -> hidden.add(h.toLowerCase(Locale.ROOT)));
        this.hiddenHeaders = Set.copyOf(hidden);
    }

    static CredentialTransport from(Settings settings, Set<String> credentialHeaders) {
        String mode = settings.optional("access-token-query").orElse("streams");
        if (!mode.equals("streams") && !mode.equals("off")) {
            throw settings.invalid("access-token-query", mode, "'streams' (event streams and WebSocket upgrades) "
                    + "or 'off'");
        }
        String param = settings.optional("access-token-param").orElse("access_token");
        if (!param.matches("[A-Za-z0-9._~-]+")) {
            throw settings.invalid("access-token-param", param, "a query parameter name of A-Z a-z 0-9 . _ ~ -");
        }
        return new CredentialTransport(param, mode.equals("streams"), credentialHeaders);
    }

    String param() {
        return param;
    }

    /** The decoded values of the token parameter in the raw query string, in order; empty when there is none. */
    List<String> queryTokens(HttpServletRequest request) {
        String query = request.getQueryString();
        if (query == null || !mayContain(query, param)) {
            return List.of();
        }
        List<String> values = new ArrayList<>(1);
        for (String pair : query.split("&", -1)) {
            if (isParam(pair, param)) {
                int eq = pair.indexOf('=');
                values.add(eq < 0 ? "" : decode(pair.substring(eq + 1)));
            }
        }
        return values;
    }

    /** Whether this request may carry its token in the query string: an event stream or a WebSocket upgrade. */
    boolean acceptsQueryToken(HttpServletRequest request) {
        if (!queryTokens || !"GET".equals(request.getMethod())) {
            return false;
        }
        String upgrade = request.getHeader("Upgrade");
        if (upgrade != null && upgrade.trim().equalsIgnoreCase("websocket")) {
            return true;
        }
        for (String accept : Collections.list(request.getHeaders("Accept"))) {
            if (accept.toLowerCase(Locale.ROOT).contains("text/event-stream")) {
                return true;
            }
        }
        String path = request.getPathInfo();
        if (path == null) {
            return false;
        }
        if (SSE_PATH.matcher(path).matches()) {
            return true;
        }
        String query = request.getQueryString();
        return LOGS_PATH.matcher(path).matches() && query != null && FOLLOW.matcher(query).find();
    }

    /** Whether the request carries anything that looks like a credential of a header kind. */
    boolean carriesHeaderCredential(HttpServletRequest request) {
        for (String header : hiddenHeaders) {
            if (!header.equals("proxy-authorization") && request.getHeader(header) != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * What the authenticators see: the request, with {@code bearer} (a query token) as its {@code Authorization}
     * header when given, and never the token parameter.
     */
    HttpServletRequest forAuthenticators(HttpServletRequest request, String bearer) {
        return new View(request, param, bearer == null ? null : "Bearer " + bearer, Set.of(), null);
    }

    /** What everything behind the filter sees: no credential, no token parameter, the gateway's principal. */
    HttpServletRequest forChain(HttpServletRequest request, SandboxPrincipal principal) {
        return new View(request, param, null, hiddenHeaders, principal);
    }

    /**
     * The raw query without any {@code param} pair, every other byte kept; null when nothing is left. Returns
     * {@code rawQuery} itself when it has no such pair.
     */
    static String strip(String rawQuery, String param) {
        if (rawQuery == null || !mayContain(rawQuery, param)) {
            return rawQuery;
        }
        StringBuilder kept = new StringBuilder(rawQuery.length());
        boolean removed = false;
        for (String pair : rawQuery.split("&", -1)) {
            if (isParam(pair, param)) {
                removed = true;
                continue;
            }
            if (kept.length() > 0) {
                kept.append('&');
            }
            kept.append(pair);
        }
        if (!removed) {
            return rawQuery;
        }
        return kept.length() == 0 ? null : kept.toString();
    }

    /** Cheap pre-check: the name can only be there if it appears as is or percent-encoded somewhere. */
    private static boolean mayContain(String rawQuery, String param) {
        return rawQuery.contains(param) || rawQuery.indexOf('%') >= 0 || rawQuery.indexOf('+') >= 0;
    }

    /** Whether a raw {@code name=value} pair is {@code param}, its name compared decoded ({@code access%5Ftoken}). */
    private static boolean isParam(String pair, String param) {
        int eq = pair.indexOf('=');
        String name = eq < 0 ? pair : pair.substring(0, eq);
        if (name.equals(param)) {
            return true;
        }
        return (name.indexOf('%') >= 0 || name.indexOf('+') >= 0) && decode(name).equals(param);
    }

    private static String decode(String raw) {
        try {
            return URLDecoder.decode(raw, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return raw; // not decodable: taken as sent, and it will not verify
        }
    }

    /** The request with credentials hidden or replaced, see {@link #forAuthenticators} and {@link #forChain}. */
    private static final class View extends HttpServletRequestWrapper {
        private final String param;
        private final String authorization;
        private final Set<String> hidden;
        private final SandboxPrincipal principal;
        private final String query;

        View(HttpServletRequest request, String param, String authorization, Set<String> hidden,
             SandboxPrincipal principal) {
            super(request);
            this.param = param;
            this.authorization = authorization;
            this.hidden = hidden;
            this.principal = principal;
            this.query = strip(request.getQueryString(), param);
        }

        private boolean isHidden(String name) {
            return name != null && hidden.contains(name.toLowerCase(Locale.ROOT));
        }

        private boolean isReplaced(String name) {
            return authorization != null && AUTHORIZATION.equalsIgnoreCase(name);
        }

        @Override
        public String getHeader(String name) {
            if (isReplaced(name)) {
                return authorization;
            }
            return isHidden(name) ? null : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            if (isReplaced(name)) {
                return Collections.enumeration(List.of(authorization));
            }
            return isHidden(name) ? Collections.emptyEnumeration() : super.getHeaders(name);
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            List<String> names = new ArrayList<>();
            for (String name : Collections.list(super.getHeaderNames())) {
                if (!isHidden(name) && !isReplaced(name)) {
                    names.add(name);
                }
            }
            if (authorization != null) {
                names.add(AUTHORIZATION);
            }
            return Collections.enumeration(names);
        }

        @Override
        public long getDateHeader(String name) {
            return isHidden(name) || isReplaced(name) ? -1 : super.getDateHeader(name);
        }

        @Override
        public int getIntHeader(String name) {
            return isHidden(name) || isReplaced(name) ? -1 : super.getIntHeader(name);
        }

        @Override
        public String getQueryString() {
            return query;
        }

        @Override
        public String getParameter(String name) {
            return param.equals(name) ? null : super.getParameter(name);
        }

        @Override
        public String[] getParameterValues(String name) {
            return param.equals(name) ? null : super.getParameterValues(name);
        }

        @Override
        public Enumeration<String> getParameterNames() {
            List<String> names = Collections.list(super.getParameterNames());
            names.remove(param);
            return Collections.enumeration(names);
        }

        @Override
        public Map<String, String[]> getParameterMap() {
            Map<String, String[]> all = super.getParameterMap();
            if (!all.containsKey(param)) {
                return all;
            }
            Map<String, String[]> kept = new LinkedHashMap<>(all);
            kept.remove(param);
            return Collections.unmodifiableMap(kept);
        }

        @Override
        public Principal getUserPrincipal() {
            return principal != null ? principal : super.getUserPrincipal();
        }

        @Override
        public String getRemoteUser() {
            return principal != null ? principal.subject() : super.getRemoteUser();
        }
    }
}
