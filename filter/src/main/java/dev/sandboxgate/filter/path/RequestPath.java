package dev.sandboxgate.filter.path;

import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@code {mount}/{workspaceId}/{rest}} read once, the way the sandbox will read it, for the whole gateway: the filter
 * classifies and authorizes on {@link #segments()}, the proxy forwards {@link #rawRest()}, and both come from the same
 * raw request URI. The raw path is split on literal {@code /} only, then each segment is percent-decoded once. An
 * encoded slash ({@code %2F}) therefore stays inside its segment (the SDK percent-encodes ids) and is forwarded
 * byte for byte.
 *
 * <p>Refused (as {@link Malformed}): a workspace id that is not 1 to 64 of {@code A-Z a-z 0-9 _ -} written literally;
 * dot-segments ({@code .}, {@code ..}), also percent-encoded, also before a {@code ;} path parameter, also inside a
 * segment around an encoded slash; empty segments ({@code //}); backslashes, NUL and other control characters, raw or
 * encoded; a decoded segment that still holds a percent-encoding (double encoding); invalid percent-encodings; bytes
 * that are not UTF-8 (overlong forms included). This closes the class of bypass where the gateway and what is behind
 * it read a path differently (Shiro CVE-2020-17523 / #2837, Payara #6080).
 *
 * @param workspaceId the workspace named by the first segment after the mount
 * @param rawRest     everything after the workspace id, as the client encoded it, starting with {@code /}
 *                    ({@code /} when the client sent nothing after the id)
 * @param segments    the decoded segments of {@code rawRest}; empty for {@code /}
 */
public record RequestPath(String workspaceId, String rawRest, List<String> segments) {
    public RequestPath {
        segments = List.copyOf(segments);
    }

    /** A request URI that does not name a workspace, or that could be read two ways; its message is safe to show. */
    public static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        public Malformed(String message) {
            super(message, null, false, false);
        }
    }

    /** Reads the request's raw URI under the mount it was matched on ({@code contextPath + servletPath}). */
    public static RequestPath of(HttpServletRequest request) throws Malformed {
        return parse(request.getRequestURI(), request.getContextPath() + request.getServletPath());
    }

    /**
     * Reads {@code rawUri} (the request target's path, still percent-encoded) under {@code mount}, which must be
     * written literally.
     */
    public static RequestPath parse(String rawUri, String mount) throws Malformed {
        if (rawUri == null || !rawUri.startsWith(mount + "/")) {
            throw new Malformed("Expected " + mount + "/{workspaceId}/... with the mount written literally.");
        }
        String tail = rawUri.substring(mount.length() + 1);
        int slash = tail.indexOf('/');
        String workspaceId = slash < 0 ? tail : tail.substring(0, slash);
        if (!isWorkspaceId(workspaceId)) {
            throw new Malformed("A workspace id is 1 to 64 characters of A-Z, a-z, 0-9, '_' and '-'.");
        }
        if (slash < 0 || slash == tail.length() - 1) {
            return new RequestPath(workspaceId, "/", List.of());
        }
        String rawRest = tail.substring(slash);
        return new RequestPath(workspaceId, rawRest, decodeSegments(rawRest.substring(1)));
    }

    /** The rest as one decoded string, segments joined by {@code /}: for messages and matching, never forwarding. */
    public String decodedRest() {
        return "/" + String.join("/", segments);
    }

    private static List<String> decodeSegments(String raw) throws Malformed {
        List<String> segments = new ArrayList<>();
        int start = 0;
        while (true) {
            int end = raw.indexOf('/', start);
            String segment = end < 0 ? raw.substring(start) : raw.substring(start, end);
            boolean last = end < 0;
            if (segment.isEmpty() && !last) {
                throw new Malformed("The path has an empty segment ('//').");
            }
            segments.add(decodeSegment(segment));
            if (last) {
                return Collections.unmodifiableList(segments);
            }
            start = end + 1;
        }
    }

    private static String decodeSegment(String raw) throws Malformed {
        if (raw.indexOf('\\') >= 0) {
            throw new Malformed("The path holds a backslash.");
        }
        String decoded;
        try {
            decoded = PercentDecoding.decode(raw, false);
        } catch (PercentDecoding.Invalid e) {
            throw new Malformed("The path holds " + e.getMessage() + ".");
        }
        if (PercentDecoding.holdsControl(decoded)) {
            throw new Malformed("The path holds a NUL or another control character.");
        }
        if (decoded.indexOf('\\') >= 0) {
            throw new Malformed("The path holds an encoded backslash.");
        }
        if (PercentDecoding.holdsEncoding(decoded)) {
            throw new Malformed("The path is percent-encoded twice.");
        }
        // Each part between (encoded) slashes, up to a ';', must not be '.' or '..'.
        int start = 0;
        while (start <= decoded.length()) {
            int slash = decoded.indexOf('/', start);
            int end = slash < 0 ? decoded.length() : slash;
            int semicolon = decoded.indexOf(';', start);
            if (semicolon >= 0 && semicolon < end) {
                end = semicolon;
            }
            if (isDots(decoded, start, end)) {
                throw new Malformed("The path holds a dot-segment ('.' or '..').");
            }
            if (slash < 0) {
                return decoded;
            }
            start = slash + 1;
        }
        return decoded;
    }

    private static boolean isDots(String s, int start, int end) {
        int length = end - start;
        return (length == 1 || length == 2) && s.charAt(start) == '.' && (length == 1 || s.charAt(start + 1) == '.');
    }

    /** {@code [A-Za-z0-9_-]{1,64}}, without a regular expression: this runs on every request. */
    private static boolean isWorkspaceId(String id) {
        if (id.isEmpty() || id.length() > 64) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }
}
