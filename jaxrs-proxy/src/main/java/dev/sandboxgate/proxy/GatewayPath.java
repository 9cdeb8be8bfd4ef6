package dev.sandboxgate.proxy;

import jakarta.servlet.http.HttpServletRequest;
import java.util.regex.Pattern;

/**
 * {@code {mount}/{workspaceId}/{rest}?{query}} as the client encoded it. The rest and the query are kept raw, so the
 * upstream receives them byte for byte: no decode/re-encode round trip can change what the sandbox sees.
 */
record GatewayPath(String workspaceId, String rawRest, String rawQuery) {
    private static final Pattern WORKSPACE_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /** Thrown for a request URI that does not name a workspace under the mount; its message is safe to show. */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    static GatewayPath of(HttpServletRequest request) throws Malformed {
        String uri = request.getRequestURI();
        String mount = request.getContextPath() + request.getServletPath();
        if (!uri.startsWith(mount + "/")) {
            throw new Malformed("Expected " + mount + "/{workspaceId}/... with the mount written literally.");
        }
        String tail = uri.substring(mount.length() + 1);
        int slash = tail.indexOf('/');
        String workspaceId = slash < 0 ? tail : tail.substring(0, slash);
        if (!WORKSPACE_ID.matcher(workspaceId).matches()) {
            throw new Malformed("A workspace id is 1 to 64 characters of A-Z, a-z, 0-9, '_' and '-'.");
        }
        return new GatewayPath(workspaceId, slash < 0 ? "/" : tail.substring(slash), request.getQueryString());
    }

    /** The raw path and query to append to the sandbox's base URL. */
    String upstreamPathAndQuery() {
        return rawQuery == null ? rawRest : rawRest + "?" + rawQuery;
    }
}
