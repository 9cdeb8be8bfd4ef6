package dev.sandboxgate.filter;

import java.security.Principal;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Who is calling, as established by the authentication stage: immutable, and readable by later stages and by the
 * application through {@link GateAttributes#principal} or {@code HttpServletRequest.getUserPrincipal()}.
 *
 * @param subject        the caller's stable id (a JWT {@code sub}, an API key's owner, a container user name)
 * @param authMethod     how the caller proved it, e.g. {@code static-token}; recorded in the audit trail
 * @param workspaceRoles the caller's role per workspace id
 * @param everyWorkspace a role the caller holds in every workspace (the seed's single app token), or null
 */
public record SandboxPrincipal(String subject, String authMethod, Map<String, WorkspaceRole> workspaceRoles,
                               WorkspaceRole everyWorkspace) implements Principal {

    public SandboxPrincipal {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(authMethod, "authMethod");
        workspaceRoles = Map.copyOf(workspaceRoles);
    }

    /** The caller's role in {@code workspaceId}, if any. */
    public Optional<WorkspaceRole> roleIn(String workspaceId) {
        WorkspaceRole role = workspaceRoles.get(workspaceId);
        return Optional.ofNullable(role != null ? role : everyWorkspace);
    }

    @Override
    public String getName() {
        return subject;
    }
}
