package dev.sandboxgate.filter.auth;

import dev.sandboxgate.filter.SandboxPrincipal;
import dev.sandboxgate.filter.WorkspaceRole;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Collects a caller's workspace roles from whatever a credential carries. A workspace named twice keeps the strongest
 * role; {@code *} stands for every workspace; ids that are not workspace ids and unknown role names are ignored
 * (they cannot name a workspace the gateway serves, and ignoring them never grants more).
 */
final class Memberships {
    /** The same shape the proxy accepts in {@code {mount}/{workspaceId}/...}. */
    static final Pattern WORKSPACE_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    static final String EVERY_WORKSPACE = "*";

    private final Map<String, WorkspaceRole> roles = new HashMap<>();
    private WorkspaceRole everyWorkspace;

    /** {@code owner}, {@code member} or {@code viewer} in any case, else null. */
    static WorkspaceRole role(Object name) {
        if (!(name instanceof String text)) {
            return null;
        }
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "owner" -> WorkspaceRole.OWNER;
            case "member" -> WorkspaceRole.MEMBER;
            case "viewer" -> WorkspaceRole.VIEWER;
            default -> null;
        };
    }

    static boolean isWorkspaceId(Object id) {
        return id instanceof String text && (text.equals(EVERY_WORKSPACE) || WORKSPACE_ID.matcher(text).matches());
    }

    /** Grants {@code role} in {@code workspace} unless either is not valid; returns whether it was. */
    boolean grant(Object workspace, WorkspaceRole role) {
        if (role == null || !isWorkspaceId(workspace)) {
            return false;
        }
        if (EVERY_WORKSPACE.equals(workspace)) {
            everyWorkspace = stronger(everyWorkspace, role);
        } else {
            roles.merge((String) workspace, role, Memberships::stronger);
        }
        return true;
    }

    SandboxPrincipal principal(String subject, String authMethod) {
        return new SandboxPrincipal(subject, authMethod, roles, everyWorkspace);
    }

    private static WorkspaceRole stronger(WorkspaceRole a, WorkspaceRole b) {
        return a == null || b.includes(a) ? b : a;
    }
}
