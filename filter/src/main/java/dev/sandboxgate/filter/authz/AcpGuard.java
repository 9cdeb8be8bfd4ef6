package dev.sandboxgate.filter.authz;

import dev.sandboxgate.filter.GateExchange;
import dev.sandboxgate.filter.ProblemType;
import dev.sandboxgate.filter.Refusal;
import dev.sandboxgate.filter.WorkspaceRole;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * The ACP routes beyond the role table: who may use a server id ({@link SessionRegistry}, {@code session-visibility}),
 * and what a POST's JSON-RPC body asks for ({@link AcpMessages}). A POST's body is read here (bounded) and the exact
 * bytes are handed to the proxy ({@link Authorization#BODY_ATTRIBUTE}).
 */
final class AcpGuard {
    static final String VISIBILITY_PARAM = "session-visibility";
    static final String MAX_BODY_PARAM = "acp-max-body";

    /** Within a workspace: may only the creator (and workspace owners) send to and delete a server id? */
    enum Visibility { OWNER, WORKSPACE }

    private final SessionRegistry registry;
    private final Visibility visibility;
    private final long maxBody;
    private final RolePolicy policy;
    private final FsRoot fsRoot;

    AcpGuard(SessionRegistry registry, Visibility visibility, long maxBody, RolePolicy policy, FsRoot fsRoot) {
        this.registry = registry;
        this.visibility = visibility;
        this.maxBody = maxBody;
        this.policy = policy;
        this.fsRoot = fsRoot;
    }

    SessionRegistry registry() {
        return registry;
    }

    /** Null to let the request through, else the refusal. {@code serverId} is decoded, as the sandbox reads it. */
    Refusal check(Operation operation, GateExchange exchange, String workspace, String subject,
                  WorkspaceRole role, String serverId) {
        HttpServletRequest request = exchange.request();
        SessionRegistry.Binding bound = registry.find(serverId);
        Refusal refusal = allowed(operation, bound, workspace, subject, role);
        if (refusal != null) {
            return refusal;
        }
        switch (operation) {
            case ACP_STREAM:
                // A stream may come first: bind the id to this workspace so no other can take it over.
                return allowed(operation, registry.claim(serverId, workspace, null), workspace, subject, role);
            case ACP_DELETE:
                if (bound == null && role != WorkspaceRole.OWNER) {
                    return notFound(); // nobody started it through the gateway: only an owner may clean it up
                }
                return null;
            case ACP_SEND:
                refusal = inspect(exchange, serverId, workspace, role);
                if (refusal != null) {
                    return refusal; // a refused message binds nothing
                }
                return allowed(operation, registry.claim(serverId, workspace, subject), workspace, subject, role);
            default:
                return null;
        }
    }

    /** Whether the caller may do {@code operation} to a server id bound as {@code bound} (null: unbound). */
    private Refusal allowed(Operation operation, SessionRegistry.Binding bound, String workspace, String subject,
                            WorkspaceRole role) {
        if (bound == null) {
            return null;
        }
        if (!bound.workspaceId().equals(workspace)) {
            return notFound();
        }
        boolean mutates = operation == Operation.ACP_SEND || operation == Operation.ACP_DELETE;
        if (mutates && visibility == Visibility.OWNER && bound.creator() != null && !bound.creator().equals(subject)
                && role != WorkspaceRole.OWNER) {
            return Refusal.of(ProblemType.OPERATION_FORBIDDEN, "Operation '" + operation.id() + "' on this ACP "
                    + "server is for the member who started it and the workspace's owners.");
        }
        return null;
    }

    private static Refusal notFound() {
        // Neither the id (caller-chosen text) nor whether it exists elsewhere is echoed.
        return Refusal.of(ProblemType.SESSION_NOT_FOUND, "No such ACP server in this workspace.");
    }

    /** Reads and classifies the JSON-RPC body of a POST. */
    private Refusal inspect(GateExchange exchange, String serverId, String workspace, WorkspaceRole role) {
        HttpServletRequest request = exchange.request();
        if (!AuthorizationStage.mediaType(request.getContentType()).equals("application/json")) {
            return Refusal.of(ProblemType.BAD_REQUEST, "An ACP message is JSON (Content-Type: application/json).");
        }
        if (request.getContentLengthLong() > maxBody) {
            return tooLarge();
        }
        byte[] body;
        try {
            body = readBounded(request.getInputStream(), maxBody);
        } catch (IOException e) {
            return Refusal.of(ProblemType.BAD_REQUEST, "The request body could not be read.");
        }
        if (body == null) {
            return tooLarge();
        }
        AcpMessages messages;
        try {
            messages = AcpMessages.inspect(JsonTree.parse(body));
        } catch (JsonTree.Invalid e) {
            return Refusal.of(ProblemType.BAD_REQUEST, e.getMessage());
        }
        if (!messages.methods().isEmpty()) {
            exchange.session(serverId, String.join(",", messages.methods())); // recorded, refused or not
        }
        if (messages.localMcp()) {
            WorkspaceRole required = policy.required(Operation.ACP_LOCAL_MCP);
            if (required == null) {
                return Refusal.of(ProblemType.OPERATION_FORBIDDEN, "Operation '" + Operation.ACP_LOCAL_MCP.id()
                        + "' (mcpServers that start a local command) is disabled on this gateway.");
            }
            if (!role.includes(required)) {
                return Refusal.of(ProblemType.OPERATION_FORBIDDEN, "Operation '" + Operation.ACP_LOCAL_MCP.id()
                        + "' (mcpServers that start a local command) requires the " + name(required)
                        + " role in workspace '" + workspace + "'; yours is " + name(role) + ".");
            }
        }
        for (String cwd : messages.cwds()) {
            String problem = fsRoot.check(cwd, workspace);
            if (problem != null) {
                return Refusal.of(problem.equals(FsRoot.OUTSIDE) ? ProblemType.FS_PATH_OUTSIDE_ROOT
                        : ProblemType.FS_PATH_INVALID, "'cwd' " + problem + " (" + fsRoot.rootOf(workspace) + ").");
            }
        }
        request.setAttribute(Authorization.BODY_ATTRIBUTE, body);
        return null;
    }

    static String name(WorkspaceRole role) {
        return role.name().toLowerCase(Locale.ROOT);
    }

    private Refusal tooLarge() {
        return Refusal.of(ProblemType.PAYLOAD_TOO_LARGE, "An ACP message is at most " + maxBody + " bytes here.");
    }

    /** The whole body, or null when it is longer than {@code max}. */
    static byte[] readBounded(InputStream in, long max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
            if (out.size() > max) {
                return null;
            }
        }
        return out.toByteArray();
    }
}
