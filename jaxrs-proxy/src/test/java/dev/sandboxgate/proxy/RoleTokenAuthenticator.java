package dev.sandboxgate.proxy;

import dev.sandboxgate.filter.Authentication;
import dev.sandboxgate.filter.Authenticator;
import dev.sandboxgate.filter.SandboxPrincipal;
import dev.sandboxgate.filter.WorkspaceRole;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Locale;
import java.util.Map;

/**
 * Test-only: callers with a given role in one workspace, plugged into the filter by class name
 * ({@code authenticators=dev.sandboxgate.proxy.RoleTokenAuthenticator}). The bearer token {@code role-viewer@ws_1} is
 * subject {@code viewer-1}, viewer of {@code ws_1}; likewise {@code member}, {@code owner};
 * {@code role-member@ws_1#bob} is subject {@code bob}. Any other token is left to the next authenticator.
 */
public final class RoleTokenAuthenticator implements Authenticator {

    /** The token of a caller holding {@code role} in {@code workspace}. */
    public static String token(WorkspaceRole role, String workspace) {
        return "role-" + role.name().toLowerCase(Locale.ROOT) + "@" + workspace;
    }

    /** The token of {@code subject}, holding {@code role} in {@code workspace}. */
    public static String token(WorkspaceRole role, String workspace, String subject) {
        return token(role, workspace) + "#" + subject;
    }

    @Override
    public Authentication authenticate(HttpServletRequest request) {
        String header = request.getHeader("Authorization");
        if (header == null || !header.startsWith("Bearer role-")) {
            return Authentication.NOT_RECOGNISED;
        }
        String token = header.substring("Bearer role-".length());
        int at = token.indexOf('@');
        if (at < 0) {
            return Authentication.NOT_RECOGNISED;
        }
        WorkspaceRole role = WorkspaceRole.valueOf(token.substring(0, at).toUpperCase(Locale.ROOT));
        String workspace = token.substring(at + 1);
        String subject = role.name().toLowerCase(Locale.ROOT) + "-1";
        int hash = workspace.indexOf('#');
        if (hash >= 0) {
            subject = workspace.substring(hash + 1);
            workspace = workspace.substring(0, hash);
        }
        return new Authentication.Authenticated(new SandboxPrincipal(subject, "test-role-token",
                Map.of(workspace, role), null));
    }
}
