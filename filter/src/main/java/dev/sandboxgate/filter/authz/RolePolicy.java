package dev.sandboxgate.filter.authz;

import dev.sandboxgate.filter.Settings;
import dev.sandboxgate.filter.WorkspaceRole;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * The least workspace role each {@link Operation} needs: the defaults, with the rows {@code route-policy} overrides.
 * {@code route-policy} is a comma-separated list of {@code operation=role}, where the operation is an id such as
 * {@code fs.delete} or a family such as {@code desktop.*}, and the role is {@code viewer}, {@code member},
 * {@code owner} or {@code none} (nobody, whatever their role). Example: {@code fs.delete=member,desktop.*=none}.
 */
final class RolePolicy {
    static final String PARAM = "route-policy";

    /** Per operation, the least role; absent means nobody may. */
    private final Map<Operation, WorkspaceRole> required;

    private RolePolicy(Map<Operation, WorkspaceRole> required) {
        this.required = required;
    }

    static RolePolicy defaults() {
        Map<Operation, WorkspaceRole> required = new EnumMap<>(Operation.class);
        for (Operation operation : Operation.values()) {
            required.put(operation, operation.defaultRole());
        }
        return new RolePolicy(required);
    }

    static RolePolicy from(Settings settings) {
        RolePolicy policy = defaults();
        String configured = settings.optional(PARAM).orElse(null);
        if (configured == null) {
            return policy;
        }
        for (String item : settings.list(PARAM)) {
            int eq = item.indexOf('=');
            if (eq < 0) {
                throw settings.invalid(PARAM, configured, "a list of operation=role (e.g. fs.delete=member)");
            }
            String name = item.substring(0, eq).trim();
            String roleName = item.substring(eq + 1).trim().toLowerCase(Locale.ROOT);
            WorkspaceRole role = switch (roleName) {
                case "viewer" -> WorkspaceRole.VIEWER;
                case "member" -> WorkspaceRole.MEMBER;
                case "owner" -> WorkspaceRole.OWNER;
                case "none" -> null;
                default -> throw settings.invalid(PARAM, configured,
                        "a list of operation=role with roles viewer, member, owner or none ('" + roleName + "')");
            };
            int matched = 0;
            for (Operation operation : Operation.values()) {
                boolean family = name.endsWith(".*")
                        && operation.id().startsWith(name.substring(0, name.length() - 1));
                if (family || operation.id().equals(name)) {
                    if (role == null) {
                        policy.required.remove(operation);
                    } else {
                        policy.required.put(operation, role);
                    }
                    matched++;
                }
            }
            if (matched == 0) {
                throw settings.invalid(PARAM, configured, "a list of operation=role naming known operations ('"
                        + name + "' is none of " + java.util.Arrays.stream(Operation.values())
                        .map(Operation::id).toList() + ")");
            }
        }
        return policy;
    }

    /** The least role {@code operation} needs, or null when nobody may perform it. */
    WorkspaceRole required(Operation operation) {
        return required.get(operation);
    }
}
