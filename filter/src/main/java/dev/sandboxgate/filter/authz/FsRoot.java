package dev.sandboxgate.filter.authz;

import dev.sandboxgate.filter.Settings;
import dev.sandboxgate.filter.path.PercentDecoding;

/**
 * The directory a workspace's filesystem requests must stay in: {@code fs-root}, a template such as
 * {@code /workspace} (the default) or {@code /workspaces/{workspaceId}}. Sandbox Agent accepts any absolute path and
 * resolves relative ones under {@code $HOME}, so a path is accepted only if it is absolute, has no dot-segments, NUL,
 * control characters or backslashes, is not percent-encoded a second time, and, with empty segments dropped, is the
 * root or below it. Symbolic links inside the root are the sandbox's filesystem and cannot be seen from here: keep the
 * root free of links that point out of it.
 */
final class FsRoot {
    static final String PARAM = "fs-root";
    static final String WORKSPACE = "{workspaceId}";

    private final String template;
    /** Whether the root depends on the workspace; when it does not, {@link #rootOf} is the template itself. */
    private final boolean perWorkspace;

    private FsRoot(String template) {
        this.template = template;
        this.perWorkspace = template.contains(WORKSPACE);
    }

    static FsRoot from(Settings settings) {
        String template = settings.optional(PARAM).orElse("/workspace");
        String probe = template.replace(WORKSPACE, "ws");
        String normal = probe.length() > 1 && probe.endsWith("/") ? probe.substring(0, probe.length() - 1) : probe;
        if (!probe.startsWith("/") || normal(probe) == null || !normal(probe).equals(normal)) {
            throw settings.invalid(PARAM, template, "an absolute, normalised directory such as /workspace or "
                    + "/workspaces/{workspaceId} (no '.', '..', '//', backslash or control characters)");
        }
        return new FsRoot(normal.equals(probe) ? template : template.substring(0, template.length() - 1));
    }

    /** The root of {@code workspaceId}'s filesystem, without a trailing slash (unless it is {@code /}). */
    String rootOf(String workspaceId) {
        return perWorkspace ? template.replace(WORKSPACE, workspaceId) : template;
    }

    /**
     * Null if the decoded {@code path} is inside the root of {@code workspaceId}, else why not (safe to show).
     */
    String check(String path, String workspaceId) {
        if (path.isEmpty()) {
            return "is empty";
        }
        if (!path.startsWith("/")) {
            return "is not absolute (the sandbox would resolve it under its home directory)";
        }
        if (PercentDecoding.holdsEncoding(path)) {
            return "is percent-encoded twice";
        }
        String normal = normal(path);
        if (normal == null) {
            return "holds a dot-segment, a backslash, a NUL or another control character";
        }
        String root = rootOf(workspaceId);
        if (root.equals("/") || normal.equals(root)
                || (normal.startsWith(root) && normal.charAt(root.length()) == '/')) {
            return null;
        }
        return OUTSIDE;
    }

    static final String OUTSIDE = "is outside the workspace's root";

    /**
     * {@code path} (absolute) with empty segments dropped, or null if it holds anything that could be read two ways.
     * Runs on every filesystem request: a path that is already normal is returned as it is, without copying.
     */
    static String normal(String path) {
        if (path.indexOf('\\') >= 0 || PercentDecoding.holdsControl(path)) {
            return null;
        }
        boolean normal = path.length() > 1;
        for (int start = 1; start <= path.length(); ) {
            int slash = path.indexOf('/', start);
            int end = slash < 0 ? path.length() : slash;
            int length = end - start;
            if (length == 0) {
                normal = false; // an empty segment ('//' or a trailing '/'): dropped below
            } else if (length <= 2 && path.charAt(start) == '.' && (length == 1 || path.charAt(start + 1) == '.')) {
                return null;
            }
            start = end + 1;
        }
        if (normal) {
            return path;
        }
        StringBuilder out = new StringBuilder(path.length());
        for (String segment : path.split("/")) {
            if (!segment.isEmpty()) {
                out.append('/').append(segment);
            }
        }
        return out.length() == 0 ? "/" : out.toString();
    }
}
