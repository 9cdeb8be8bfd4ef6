package dev.sandboxgate.filter.auth;

import dev.sandboxgate.filter.ProblemType;
import dev.sandboxgate.filter.SandboxPrincipal;
import dev.sandboxgate.filter.Settings;
import java.util.Collection;
import java.util.Map;

/**
 * How a verified token's claims become a {@link SandboxPrincipal}. Every source that is present contributes; a
 * workspace named by several keeps its strongest role.
 * <ul>
 *   <li>the seed's shape: {@code sub}, {@code workspaceId}, {@code role} (one workspace);
 *   <li>a map claim: {@code "workspaces": {"ws_1": "owner", "ws_2": "viewer"}};
 *   <li>an IdP role list matched by a pattern, e.g. Keycloak's {@code realm_access.roles} holding
 *       {@code sandbox:ws_1:owner} (off unless {@code jwt-roles-claim} is set).
 * </ul>
 */
record ClaimMapping(ClaimPath subject, ClaimPath workspace, ClaimPath role, ClaimPath workspaces, ClaimPath roles,
                    RolePattern rolePattern) {
    static final int MAX_SUBJECT_LENGTH = 255;

    static ClaimMapping from(Settings settings) {
        return new ClaimMapping(
                path(settings, "jwt-subject-claim", "sub"),
                path(settings, "jwt-workspace-claim", "workspaceId"),
                path(settings, "jwt-role-claim", "role"),
                path(settings, "jwt-workspaces-claim", "workspaces"),
                settings.optional("jwt-roles-claim").map(p -> ClaimPath.parse(settings, "jwt-roles-claim", p))
                        .orElse(null),
                RolePattern.parse(settings, "jwt-role-pattern",
                        settings.optional("jwt-role-pattern").orElse("sandbox:{workspace}:{role}")));
    }

    private static ClaimPath path(Settings settings, String param, String fallback) {
        return ClaimPath.parse(settings, param, settings.optional(param).orElse(fallback));
    }

    SandboxPrincipal principal(Map<String, ?> claims, String authMethod) {
        Object sub = subject.in(claims);
        if (!(sub instanceof String name) || name.isBlank() || name.length() > MAX_SUBJECT_LENGTH) {
            throw new TokenRefused(ProblemType.TOKEN_CLAIMS_INVALID,
                    "The token does not name its subject in the '" + subject + "' claim.");
        }
        Memberships memberships = new Memberships();
        memberships.grant(workspace.in(claims), Memberships.role(role.in(claims)));
        if (workspaces.in(claims) instanceof Map<?, ?> map) {
            map.forEach((id, roleName) -> memberships.grant(id, Memberships.role(roleName)));
        }
        if (roles != null) {
            Object list = roles.in(claims);
            if (list instanceof Collection<?> names) {
                names.forEach(roleName -> rolePattern.grantTo(memberships, roleName));
            } else {
                rolePattern.grantTo(memberships, list);
            }
        }
        return memberships.principal(name, authMethod);
    }
}
