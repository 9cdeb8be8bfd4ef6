package dev.sandboxgate.filter.authz;

import dev.sandboxgate.filter.GateExchange;
import dev.sandboxgate.filter.ProblemType;
import dev.sandboxgate.filter.Refusal;
import dev.sandboxgate.filter.SandboxPrincipal;
import dev.sandboxgate.filter.Stage;
import dev.sandboxgate.filter.WorkspaceRole;
import dev.sandboxgate.filter.path.PercentDecoding;
import dev.sandboxgate.filter.path.RequestPath;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Decides, after authentication, whether the caller may do what the request does: the path is read once
 * ({@link RequestPath}), classified into an {@link Operation} ({@link RouteTable}), checked against the caller's role
 * in the workspace ({@link RolePolicy}), and its filesystem arguments are held inside the workspace's root
 * ({@link FsRoot}). Every "no" is a problem+json refusal and nothing is forwarded.
 */
final class AuthorizationStage implements Stage {
    /** Headers through which some frameworks let a POST act as another method; the sandbox must never see one. */
    private static final List<String> METHOD_OVERRIDES =
            List.of("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override");
    /** Query parameters the gateway reads; a second copy would be a second reading. */
    private static final List<String> SINGLE_VALUED = List.of("path", "directory", "from", "to");
    /** Bodies the gateway must read (a move's {@code from} and {@code to}) are small; larger ones are refused. */
    static final int MAX_INSPECTED_BODY = 64 * 1024;

    private final RouteTable routes;
    private final RolePolicy policy;
    private final FsRoot fsRoot;
    private final AcpGuard acp;
    private final TarInspector.Limits archiveLimits;

    AuthorizationStage(RouteTable routes, RolePolicy policy, FsRoot fsRoot, AcpGuard acp,
                       TarInspector.Limits archiveLimits) {
        this.routes = routes;
        this.policy = policy;
        this.fsRoot = fsRoot;
        this.acp = acp;
        this.archiveLimits = archiveLimits;
    }

    @Override
    public Refusal apply(GateExchange exchange) {
        HttpServletRequest request = exchange.request();
        SandboxPrincipal principal = exchange.principal();
        if (principal == null) {
            return Refusal.of(ProblemType.CREDENTIAL_MISSING, "No authentication stage accepted the request.");
        }
        for (String header : METHOD_OVERRIDES) {
            if (request.getHeader(header) != null) {
                return Refusal.of(ProblemType.BAD_REQUEST, "The gateway does not honour " + header
                        + "; send the method itself.");
            }
        }
        RequestPath path;
        try {
            path = RequestPath.of(request);
        } catch (RequestPath.Malformed e) {
            return Refusal.of(ProblemType.BAD_PATH, e.getMessage());
        }
        exchange.classified(path.workspaceId(), null);
        String method = request.getMethod();
        RouteTable.Match match = routes.classify(method, path.segments());
        if (match instanceof RouteTable.Match.Never) {
            return Refusal.of(ProblemType.ROUTE_NOT_ALLOWED, "The sandbox's inspector is never served through the "
                    + "gateway.");
        }
        if (match instanceof RouteTable.Match.Unknown) {
            return Refusal.of(ProblemType.ROUTE_NOT_ALLOWED, "This path is not a route of the sandbox API the "
                    + "gateway forwards.");
        }
        if (match instanceof RouteTable.Match.WrongMethod wrong) {
            String allow = String.join(", ", new TreeSet<>(wrong.allowed()));
            return new Refusal(ProblemType.METHOD_NOT_ALLOWED, "This route accepts " + allow + ".",
                    Map.of("Allow", allow));
        }
        RouteTable.Route route = ((RouteTable.Match.Found) match).route();
        Operation operation = route.operation();
        request.setAttribute(Authorization.OPERATION_ATTRIBUTE, operation.id());
        exchange.classified(path.workspaceId(), operation.id());

        String workspace = path.workspaceId();
        Optional<WorkspaceRole> role = principal.roleIn(workspace);
        if (role.isEmpty()) {
            return Refusal.of(ProblemType.WORKSPACE_FORBIDDEN, "You hold no role in workspace '" + workspace + "'.");
        }
        WorkspaceRole required = policy.required(operation);
        if (required == null) {
            return Refusal.of(ProblemType.OPERATION_FORBIDDEN, "Operation '" + operation.id()
                    + "' is disabled on this gateway.");
        }
        if (!role.get().includes(required)) {
            return Refusal.of(ProblemType.OPERATION_FORBIDDEN, "Operation '" + operation.id() + "' requires the "
                    + name(required) + " role in workspace '" + workspace + "'; yours is " + name(role.get()) + ".");
        }
        switch (operation) {
            case ACP_SEND, ACP_STREAM, ACP_DELETE -> {
                exchange.session(path.segments().get(2), null);
                return acp.check(operation, exchange, workspace, principal.subject(), role.get(),
                        path.segments().get(2));
            }
            case ACP_LIST -> {
                // The sandbox lists every caller's servers: the proxy keeps only this workspace's.
                SessionRegistry registry = acp.registry();
                Predicate<String> visible = id -> {
                    SessionRegistry.Binding bound = registry.find(id);
                    return bound != null && bound.workspaceId().equals(workspace);
                };
                request.setAttribute(Authorization.RESPONSE_FILTER_ATTRIBUTE, new AcpListFilter(visible));
                return null;
            }
            default -> {
                return confine(route.confinement(), request, workspace);
            }
        }
    }

    private Refusal confine(RouteTable.Confinement confinement, HttpServletRequest request, String workspace) {
        if (confinement == RouteTable.Confinement.NONE) {
            return null;
        }
        QueryParameters query;
        try {
            query = QueryParameters.parse(request.getQueryString());
        } catch (PercentDecoding.Invalid e) {
            return Refusal.of(ProblemType.BAD_REQUEST, "The query string holds " + e.getMessage() + ".");
        }
        for (String name : SINGLE_VALUED) {
            if (query.values(name).size() > 1) {
                return Refusal.of(ProblemType.FS_PATH_INVALID, "The query names '" + name + "' more than once.");
            }
        }
        return switch (confinement) {
            case QUERY_PATH -> confineOne("path", query.values("path"), workspace);
            case QUERY_DIRECTORY -> confineOne("directory", query.values("directory"), workspace);
            case MOVE_BODY -> confineMove(request, workspace);
            case ARCHIVE_BODY -> inspectArchive(request, query.values("path"), workspace);
            default -> null;
        };
    }

    private Refusal confineOne(String name, List<String> values, String workspace) {
        if (values.isEmpty()) {
            return Refusal.of(ProblemType.FS_PATH_INVALID, "The query parameter '" + name + "' is required: an "
                    + "absolute path inside " + fsRoot.rootOf(workspace) + ".");
        }
        return verdict(name, values.get(0), workspace);
    }

    private Refusal verdict(String name, String value, String workspace) {
        String problem = fsRoot.check(value, workspace);
        if (problem == null) {
            return null;
        }
        ProblemType type = problem.equals(FsRoot.OUTSIDE) ? ProblemType.FS_PATH_OUTSIDE_ROOT
                : ProblemType.FS_PATH_INVALID;
        return Refusal.of(type, "'" + name + "' " + problem + " (" + fsRoot.rootOf(workspace) + ").");
    }

    /**
     * A move names its paths in a small JSON body: read it (bounded), hold {@code from} and {@code to} to the root,
     * and hand the very bytes received to the proxy ({@link Authorization#BODY_ATTRIBUTE}).
     */
    private Refusal confineMove(HttpServletRequest request, String workspace) {
        if (!mediaType(request.getContentType()).equals("application/json")) {
            return Refusal.of(ProblemType.BAD_REQUEST, "A move is a JSON body (Content-Type: application/json).");
        }
        if (request.getContentLengthLong() > MAX_INSPECTED_BODY) {
            return Refusal.of(ProblemType.PAYLOAD_TOO_LARGE, "A move's body is at most " + MAX_INSPECTED_BODY
                    + " bytes.");
        }
        byte[] body;
        try {
            body = AcpGuard.readBounded(request.getInputStream(), MAX_INSPECTED_BODY);
        } catch (IOException e) {
            return Refusal.of(ProblemType.BAD_REQUEST, "The request body could not be read.");
        }
        if (body == null) {
            return Refusal.of(ProblemType.PAYLOAD_TOO_LARGE, "A move's body is at most " + MAX_INSPECTED_BODY
                    + " bytes.");
        }
        List<String> from = new ArrayList<>(1);
        List<String> to = new ArrayList<>(1);
        try {
            if (!(JsonTree.parse(body) instanceof Map<?, ?> move)) {
                return Refusal.of(ProblemType.BAD_REQUEST, "A move's body is a JSON object.");
            }
            for (String field : List.of("from", "to")) {
                Object value = move.get(field);
                if (value != null && !(value instanceof String)) {
                    return Refusal.of(ProblemType.FS_PATH_INVALID, "'" + field + "' must be a string.");
                }
                if (value != null) {
                    (field.equals("from") ? from : to).add((String) value);
                }
            }
        } catch (JsonTree.Invalid e) {
            return Refusal.of(ProblemType.BAD_REQUEST, e.getMessage());
        }
        Refusal refusal = confineOne("from", from, workspace);
        if (refusal == null) {
            refusal = confineOne("to", to, workspace);
        }
        if (refusal == null) {
            request.setAttribute(Authorization.BODY_ATTRIBUTE, body);
        }
        return refusal;
    }

    /**
     * An upload's target directory is held to the root like any {@code path}; its archive is too large to read
     * first, so the proxy shows it to a {@link TarInspector} while relaying it
     * ({@link Authorization#BODY_INSPECTOR_ATTRIBUTE}), which aborts the upload at the first entry refused.
     */
    private Refusal inspectArchive(HttpServletRequest request, List<String> target, String workspace) {
        Refusal refusal = confineOne("path", target, workspace);
        if (refusal != null) {
            return refusal;
        }
        if (!mediaType(request.getContentType()).equals("application/x-tar")) {
            return Refusal.of(ProblemType.BAD_REQUEST, "An upload is an uncompressed tar archive (Content-Type: "
                    + "application/x-tar).");
        }
        String encoding = request.getHeader("Content-Encoding");
        if (encoding != null && !encoding.trim().equalsIgnoreCase("identity")) {
            return Refusal.of(ProblemType.BAD_REQUEST, "An upload is sent without a Content-Encoding.");
        }
        request.setAttribute(Authorization.BODY_INSPECTOR_ATTRIBUTE,
                new TarInspector(fsRoot.rootOf(workspace), FsRoot.normal(target.get(0)), archiveLimits));
        return null;
    }

    /** The media type of a {@code Content-Type} without its parameters, lower case; empty when there is none. */
    static String mediaType(String contentType) {
        if (contentType == null) {
            return "";
        }
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    private static String name(WorkspaceRole role) {
        return role.name().toLowerCase(Locale.ROOT);
    }
}
