package dev.sandboxgate.filter;

/**
 * Every refusal the gateway gives, each with a stable RFC 9457 {@code type} URI. Clients may switch on the URI; the
 * title is for people. Add a constant here rather than inventing a type at the call site.
 */
public enum ProblemType {
    CREDENTIAL_MISSING(401, "credential-missing", "Authentication required"),
    /** An opaque credential (API key, app token) that matches none configured. */
    CREDENTIAL_INVALID(401, "credential-invalid", "Invalid credential"),
    /** Both an {@code Authorization} bearer token and an {@code access_token} query parameter (RFC 6750 2). */
    CREDENTIAL_AMBIGUOUS(400, "credential-ambiguous", "More than one credential"),
    /** Not a well-formed JWS: bad base64url, bad JSON, missing signature, unsupported header. */
    TOKEN_MALFORMED(401, "token-malformed", "Malformed token"),
    /** Longer than the configured maximum (8 KiB by default); not parsed at all. */
    TOKEN_TOO_LARGE(401, "token-too-large", "Token too large"),
    /** {@code alg} is {@code none}, unknown, or not on the allow-list for the configured keys. */
    TOKEN_ALGORITHM_NOT_ALLOWED(401, "token-algorithm-not-allowed", "Token algorithm not accepted"),
    /** No configured or published key matches the token's {@code kid}. */
    TOKEN_KEY_UNKNOWN(401, "token-key-unknown", "Unknown signing key"),
    TOKEN_SIGNATURE_INVALID(401, "token-signature-invalid", "Invalid token signature"),
    TOKEN_EXPIRED(401, "token-expired", "Token expired"),
    TOKEN_NOT_YET_VALID(401, "token-not-yet-valid", "Token not yet valid"),
    TOKEN_ISSUER_INVALID(401, "token-issuer-invalid", "Token issuer not accepted"),
    TOKEN_AUDIENCE_INVALID(401, "token-audience-invalid", "Token audience not accepted"),
    /** A required claim is missing or of the wrong type ({@code sub}, {@code exp}). */
    TOKEN_CLAIMS_INVALID(401, "token-claims-invalid", "Token claims invalid"),
    BAD_PATH(400, "bad-path", "Malformed gateway path"),
    BAD_REQUEST(400, "bad-request", "Malformed request"),
    METHOD_NOT_ALLOWED(405, "method-not-allowed", "Method not allowed"),
    PAYLOAD_TOO_LARGE(413, "payload-too-large", "Request body too large"),
    NOT_GATED(500, "not-gated", "Request did not pass the gateway's checks"),
    INTERNAL_ERROR(500, "internal-error", "Gateway error"),
    UPSTREAM_UNREACHABLE(502, "upstream-unreachable", "Sandbox unreachable"),
    UPSTREAM_TIMEOUT(504, "upstream-timeout", "Sandbox did not answer in time"),
    /** The caller's role in the workspace is below what the operation needs; the detail names both. */
    OPERATION_FORBIDDEN(403, "operation-forbidden", "Operation not permitted"),
    /** The caller holds no role in the workspace the path names. */
    WORKSPACE_FORBIDDEN(403, "workspace-forbidden", "No access to this workspace"),
    /** Not a route of the sandbox's API (fail closed), or one never forwarded ({@code /ui}). */
    ROUTE_NOT_ALLOWED(403, "route-not-allowed", "Route not forwarded"),
    /** A filesystem argument that is missing, repeated, relative, or could be read two ways. */
    FS_PATH_INVALID(400, "fs-path-invalid", "Invalid filesystem path"),
    /** A filesystem argument outside the workspace's root ({@code fs-root}). */
    FS_PATH_OUTSIDE_ROOT(403, "fs-path-outside-root", "Path outside the workspace"),
    /** An ACP server id that belongs to another workspace (whether it exists is not revealed) or to nobody yet. */
    SESSION_NOT_FOUND(404, "session-not-found", "No such session"),
    /** The sandbox answered something the gateway had to read (to filter it) and could not. */
    UPSTREAM_INVALID(502, "upstream-invalid", "Unexpected answer from the sandbox"),
    /** An upload archive that is not one plain tar every reader reads alike (format, PAX records, limits). */
    ARCHIVE_INVALID(400, "archive-invalid", "Archive not accepted"),
    /** An upload archive entry that could write outside its directory: absolute, {@code ..}, link, device, FIFO. */
    ARCHIVE_ENTRY_FORBIDDEN(403, "archive-entry-forbidden", "Archive entry not allowed"),
    /** No sandbox serves the workspace the path names ({@code sandbox-directory}). */
    WORKSPACE_NOT_FOUND(404, "workspace-not-found", "No sandbox for this workspace"),
    /** The {@code sandbox-directory} could not name the workspace's sandbox (its database is down, a row is unusable). */
    DIRECTORY_UNAVAILABLE(503, "directory-unavailable", "Sandbox directory unavailable"),
    /**
     * A WebSocket handshake from another site ({@code Origin} other than {@code Host}) authenticated only by an
     * ambient credential (the container's login): cross-site WebSocket hijacking.
     */
    WEBSOCKET_CROSS_ORIGIN(403, "websocket-cross-origin", "Cross-site WebSocket refused"),
    /** A WebSocket upgrade on a container without Jakarta WebSocket support (or with it switched off). */
    WEBSOCKET_UNAVAILABLE(501, "websocket-unavailable", "WebSocket not available"),
    /** The audit trail's queue stayed full past {@code audit-block-timeout}: nothing is forwarded unrecorded. */
    AUDIT_UNAVAILABLE(503, "audit-unavailable", "Audit trail unavailable"),
    /** A browser request ({@code Origin}) from an origin not in {@code cors-allowed-origins}, or a preflight asking
     * for a method or header the gateway does not allow. */
    CORS_ORIGIN_FORBIDDEN(403, "cors-origin-forbidden", "Cross-origin request not allowed"),
    /** The gateway is shutting down (draining): retry, another node will answer; sent with {@code Retry-After}. */
    SHUTTING_DOWN(503, "shutting-down", "Gateway shutting down"),
    /** An operations endpoint (metrics) without the operator's credential. */
    ADMIN_CREDENTIAL_REQUIRED(401, "admin-credential-required", "Operator credential required"),
    /** A token bucket ({@code rate-limits}) is empty; {@code Retry-After} and {@code RateLimit} say for how long. */
    RATE_LIMITED(429, "rate-limited", "Too many requests"),
    /** The caller (or the workspace) already holds as many event streams or ACP requests open as allowed. */
    CONCURRENCY_LIMITED(429, "concurrency-limited", "Too many open streams or requests"),
    /** The shared rate-limit store (Redis) cannot be asked and {@code rate-limit-redis-failure=closed}. */
    RATE_LIMIT_UNAVAILABLE(503, "rate-limit-unavailable", "Rate limiter unavailable");

    private static final String URI_PREFIX = "urn:sandbox-gate:problem:";

    private final int status;
    private final String uri;
    private final String title;

    ProblemType(int status, String slug, String title) {
        this.status = status;
        this.uri = URI_PREFIX + slug;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public String uri() {
        return uri;
    }

    public String title() {
        return title;
    }
}
