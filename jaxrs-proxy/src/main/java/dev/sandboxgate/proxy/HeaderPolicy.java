package dev.sandboxgate.proxy;

import dev.sandboxgate.filter.TraceContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BiConsumer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Which headers cross the gateway in each direction. Hop-by-hop headers (RFC 9110 section 7.6.1) and every header
 * named in {@code Connection} stay on their own hop; callers' credentials never reach the sandbox; the sandbox's
 * cookies never reach the browser. The W3C trace context is the gateway's to set: the caller's trace id, the
 * gateway's span as the parent.
 */
final class HeaderPolicy {
    static final String REQUEST_ID = "X-Request-Id";

    /** Hop-by-hop headers, plus {@code Proxy-*} (checked by prefix). Lower case. */
    static final Set<String> HOP_BY_HOP = Set.of(
            "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade");

    /**
     * {@code Sec-WebSocket-*}: the handshake of one hop (key, version, extensions, subprotocols); the gateway's
     * WebSocket client makes its own. Lower case, checked by prefix.
     */
    private static final String WEBSOCKET_HANDSHAKE = "sec-websocket-";

    /** Set by the gateway or its HTTP client, so a caller's value is never passed on. Lower case. */
    private static final Set<String> REPLACED_UPSTREAM = Set.of(
            "host", "content-length", "expect", "x-request-id", "traceparent", "tracestate",
            "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host");

    /** Never returned to the client (the container sets its own {@code Date}; two would be invalid). Lower case. */
    private static final Set<String> DROPPED_DOWNSTREAM = Set.of(
            "set-cookie", "set-cookie2", "content-length", "x-request-id", "date");

    private final Set<String> credentialHeaders;

    HeaderPolicy(Set<String> credentialHeaders) {
        this.credentialHeaders = credentialHeaders;
    }

    /**
     * Copies the client's end-to-end headers onto the upstream request (an HTTP request's or a WebSocket handshake's
     * builder) and adds the gateway's own, with {@code sandboxToken} (the token of the sandbox the request goes to) as
     * its credential.
     */
    void proxyToServerHeaders(HttpServletRequest request, String requestId, TraceContext trace,
                              BiConsumer<String, String> upstream, String sandboxToken) {
        Set<String> connectionOptions = connectionOptions(Collections.list(request.getHeaders("Connection")));
        for (String name : Collections.list(request.getHeaderNames())) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (isHopByHop(lower, connectionOptions) || REPLACED_UPSTREAM.contains(lower)
                    || credentialHeaders.contains(lower) || lower.startsWith(WEBSOCKET_HANDSHAKE)) {
                continue;
            }
            for (String value : Collections.list(request.getHeaders(name))) {
                upstream.accept(name, value);
            }
        }
        upstream.accept("Authorization", "Bearer " + sandboxToken);
        upstream.accept(REQUEST_ID, requestId);
        // The caller's trace, continued with the gateway as the parent span (or a trace the gateway started).
        upstream.accept(TraceContext.TRACEPARENT, trace.traceparent());
        if (trace.tracestate() != null) {
            upstream.accept(TraceContext.TRACESTATE, trace.tracestate());
        }
        String priorHops = request.getHeader("X-Forwarded-For");
        String client = request.getRemoteAddr();
        upstream.accept("X-Forwarded-For", priorHops == null ? client : priorHops + ", " + client);
        upstream.accept("X-Forwarded-Proto", request.getScheme());
        String host = request.getHeader("Host");
        if (host != null) {
            upstream.accept("X-Forwarded-Host", host);
        }
    }

    /** Copies the sandbox's status and end-to-end headers onto the client's response. */
    void serverToClientHeaders(int status, HttpFields headers, HttpServletResponse response) {
        Set<String> connectionOptions = connectionOptions(headers.getValuesList(HttpHeader.CONNECTION));
        response.setStatus(status);
        for (HttpField field : headers) {
            String name = field.getName();
            String lower = name.toLowerCase(Locale.ROOT);
            if (isHopByHop(lower, connectionOptions) || DROPPED_DOWNSTREAM.contains(lower)) {
                continue;
            }
            response.addHeader(name, field.getValue());
        }
        long length = headers.getLongField(HttpHeader.CONTENT_LENGTH);
        if (length >= 0) {
            response.setContentLengthLong(length);
        }
    }

    private static boolean isHopByHop(String lowerName, Set<String> connectionOptions) {
        return HOP_BY_HOP.contains(lowerName) || lowerName.startsWith("proxy-")
                || connectionOptions.contains(lowerName);
    }

    /** The header names listed in {@code Connection} values (RFC 9110 section 7.6.1), lower case. */
    private static Set<String> connectionOptions(List<String> connectionValues) {
        if (connectionValues.isEmpty()) {
            return Set.of();
        }
        Set<String> names = new HashSet<>();
        for (String value : connectionValues) {
            for (String token : value.split(",")) {
                String name = token.trim().toLowerCase(Locale.ROOT);
                if (!name.isEmpty()) {
                    names.add(name);
                }
            }
        }
        return names;
    }
}
