package dev.sandboxgate.filter.auth;

import dev.sandboxgate.filter.Settings;
import dev.sandboxgate.filter.WorkspaceRole;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A role name that carries a workspace and a role, such as {@code sandbox:{workspace}:{role}}, which reads
 * {@code sandbox:ws_1:owner} as "owner of ws_1" and {@code sandbox:*:viewer} as "viewer of every workspace". Used for
 * IdP role lists (Keycloak's {@code realm_access.roles}, Entra's {@code roles}, Okta's {@code groups}) and for
 * container roles.
 */
final class RolePattern {
    static final String WORKSPACE = "{workspace}";
    static final String ROLE = "{role}";

    private final String template;
    private final Pattern regex;
    private final int workspaceGroup;
    private final int roleGroup;

    private RolePattern(String template, Pattern regex, int workspaceGroup, int roleGroup) {
        this.template = template;
        this.regex = regex;
        this.workspaceGroup = workspaceGroup;
        this.roleGroup = roleGroup;
    }

    static RolePattern parse(Settings settings, String param, String template) {
        int w = template.indexOf(WORKSPACE);
        int r = template.indexOf(ROLE);
        if (w < 0 || r < 0 || template.indexOf(WORKSPACE, w + 1) >= 0 || template.indexOf(ROLE, r + 1) >= 0) {
            throw settings.invalid(param, template, "a pattern with {workspace} and {role} once each, "
                    + "such as sandbox:{workspace}:{role}");
        }
        boolean workspaceFirst = w < r;
        int firstEnd = workspaceFirst ? w + WORKSPACE.length() : r + ROLE.length();
        int second = workspaceFirst ? r : w;
        if (firstEnd == second) {
            throw settings.invalid(param, template, "a pattern with a separator between {workspace} and {role}");
        }
        String workspace = "(\\*|[A-Za-z0-9_-]{1,64})";
        String role = "((?i:owner|member|viewer))";
        String regex = Pattern.quote(template.substring(0, Math.min(w, r)))
                + (workspaceFirst ? workspace : role)
                + Pattern.quote(template.substring(firstEnd, second))
                + (workspaceFirst ? role : workspace)
                + Pattern.quote(template.substring(Math.max(w + WORKSPACE.length(), r + ROLE.length())));
        return new RolePattern(template, Pattern.compile(regex),
                workspaceFirst ? 1 : 2, workspaceFirst ? 2 : 1);
    }

    /** Grants what {@code roleName} says when it matches the pattern; returns whether it did. */
    boolean grantTo(Memberships memberships, Object roleName) {
        if (!(roleName instanceof String name)) {
            return false;
        }
        Matcher m = regex.matcher(name);
        return m.matches() && memberships.grant(m.group(workspaceGroup), Memberships.role(m.group(roleGroup)));
    }

    /** The role name for {@code role} in {@code workspace} ({@code *} for every workspace). */
    String format(String workspace, WorkspaceRole role) {
        return template.replace(WORKSPACE, workspace).replace(ROLE, role.name().toLowerCase(Locale.ROOT));
    }

    @Override
    public String toString() {
        return template;
    }
}
