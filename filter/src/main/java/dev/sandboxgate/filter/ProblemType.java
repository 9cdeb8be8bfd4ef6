package dev.sandboxgate.filter;

/**
 * Every refusal the gateway gives, each with a stable RFC 9457 {@code type} URI. Clients may switch on the URI; the
 * title is for people. Add a constant here rather than inventing a type at the call site.
 */
public enum ProblemType {
    CREDENTIAL_MISSING(401, "credential-missing", "Authentication required"),
    CREDENTIAL_INVALID(401, "credential-invalid", "Invalid credential"),
    BAD_PATH(400, "bad-path", "Malformed gateway path"),
    BAD_REQUEST(400, "bad-request", "Malformed request"),
    METHOD_NOT_ALLOWED(405, "method-not-allowed", "Method not allowed"),
    PAYLOAD_TOO_LARGE(413, "payload-too-large", "Request body too large"),
    NOT_GATED(500, "not-gated", "Request did not pass the gateway's checks"),
    INTERNAL_ERROR(500, "internal-error", "Gateway error"),
    UPSTREAM_UNREACHABLE(502, "upstream-unreachable", "Sandbox unreachable"),
    UPSTREAM_TIMEOUT(504, "upstream-timeout", "Sandbox did not answer in time");

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
