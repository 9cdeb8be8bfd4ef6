package dev.sandboxgate.filter.authz;

/**
 * Who an ACP server id belongs to. Sandbox Agent lets the client choose the id ({@code /v1/acp/{server_id}}) and knows
 * no callers, so the gateway records, per id as the sandbox decodes it, the workspace it was first used in and the
 * subject that first sent to it. The default is bounded and in memory ({@code session-registry-size}); an
 * implementation backed by a shared store lets bindings survive restarts and span a cluster.
 *
 * <p>Implementations are thread-safe, and {@link #claim} is atomic.
 */
public interface SessionRegistry {

    /**
     * A server id's owner.
     *
     * @param workspaceId the workspace it was first used in
     * @param creator     the subject that first sent to it, or null while it has only been streamed
     */
    record Binding(String workspaceId, String creator) {
    }

    /** The binding of {@code serverId}, or null. */
    Binding find(String serverId);

    /**
     * Binds {@code serverId} to {@code workspaceId} and {@code creator} (may be null) if it is unbound, or records
     * {@code creator} on a binding of the same workspace that has none yet; returns the binding in force afterwards.
     */
    Binding claim(String serverId, String workspaceId, String creator);
}
