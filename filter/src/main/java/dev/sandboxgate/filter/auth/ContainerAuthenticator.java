package dev.sandboxgate.filter.auth;

import dev.sandboxgate.filter.Authentication;
import dev.sandboxgate.filter.Authenticator;
import dev.sandboxgate.filter.Settings;
import dev.sandboxgate.filter.WorkspaceRole;
import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;

/**
 * The application server's own login ({@code <login-config>}, Jakarta Security, an SSO valve): when the container has
 * authenticated the request, its user is the caller, and container roles named by {@code container-role-pattern}
 * (e.g. {@code sandbox:{workspace}:{role}}) become workspace roles.
 *
 * <p>The Servlet API cannot list a user's roles, only answer {@link HttpServletRequest#isUserInRole} for a name. So
 * this authenticator asks for the names that matter to the request: the pattern for the workspace in the request's
 * path ({@code {mount}/{workspaceId}/...}), for each role strongest first, and for {@code *} (every workspace). The
 * principal therefore holds the caller's role in the requested workspace (and any every-workspace role), not every
 * membership the user has. Containers that check {@code isUserInRole} only against roles declared in
 * {@code web.xml} (GlassFish/Payara without default principal-to-role mapping) need the roles declared or mapped.
 */
final class ContainerAuthenticator implements Authenticator {
    static final String AUTH_METHOD = "container";
    static final String PARAM = "container-role-pattern";
    private static final WorkspaceRole[] STRONGEST_FIRST = {WorkspaceRole.OWNER, WorkspaceRole.MEMBER,
        WorkspaceRole.VIEWER};

    private final RolePattern pattern;

    ContainerAuthenticator(RolePattern pattern) {
        this.pattern = pattern;
    }

    static boolean isConfigured(Settings settings) {
        return settings.optional(PARAM).isPresent();
    }

    static ContainerAuthenticator from(Settings settings) {
        return new ContainerAuthenticator(RolePattern.parse(settings, PARAM, settings.required(PARAM)));
    }

    @Override
    public Authentication authenticate(HttpServletRequest request) {
        Principal user = request.getUserPrincipal();
        if (user == null || user.getName() == null || user.getName().isBlank()) {
            return Authentication.NOT_RECOGNISED;
        }
        Memberships memberships = new Memberships();
        String workspace = requestedWorkspace(request);
        if (workspace != null) {
            grantStrongest(request, memberships, workspace);
        }
        grantStrongest(request, memberships, Memberships.EVERY_WORKSPACE);
        return new Authentication.Authenticated(memberships.principal(user.getName(), AUTH_METHOD));
    }

    private void grantStrongest(HttpServletRequest request, Memberships memberships, String workspace) {
        for (WorkspaceRole role : STRONGEST_FIRST) {
            if (request.isUserInRole(pattern.format(workspace, role))) {
                memberships.grant(workspace, role);
                return;
            }
        }
    }

    /** The workspace id the path names ({@code /{workspaceId}/...} after the mount), or null. */
    static String requestedWorkspace(HttpServletRequest request) {
        String path = request.getPathInfo();
        if (path == null || path.length() < 2) {
            return null;
        }
        int slash = path.indexOf('/', 1);
        String id = slash < 0 ? path.substring(1) : path.substring(1, slash);
        return Memberships.WORKSPACE_ID.matcher(id).matches() ? id : null;
    }
}
