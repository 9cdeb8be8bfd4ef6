package dev.sandboxgate.proxy;

import dev.sandboxgate.filter.path.RequestPath;
import jakarta.servlet.http.HttpServletRequest;

/**
 * {@code {mount}/{workspaceId}/{rest}?{query}} as the client encoded it. The rest and the query are kept raw, so the
 * upstream receives them byte for byte: no decode/re-encode round trip can change what the sandbox sees. The path is
 * read by {@link RequestPath}, the same reading the filter authorized, so a path the filter would refuse (dot-segments,
 * double encoding, NUL, backslashes) is never forwarded even where the filter's authorization is off.
 */
record GatewayPath(String workspaceId, String rawRest, String rawQuery) {

    /** Thrown for a request URI that does not name a workspace under the mount; its message is safe to show. */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    static GatewayPath of(HttpServletRequest request) throws Malformed {
        try {
            RequestPath path = RequestPath.of(request);
            return new GatewayPath(path.workspaceId(), path.rawRest(), request.getQueryString());
        } catch (RequestPath.Malformed e) {
            throw new Malformed(e.getMessage());
        }
    }

    /** The raw path and query to append to the sandbox's base URL. */
    String upstreamPathAndQuery() {
        return rawQuery == null ? rawRest : rawRest + "?" + rawQuery;
    }
}
