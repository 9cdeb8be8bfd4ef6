package dev.sandboxgate.filter;

/** A caller's role in one workspace, weakest first: a role includes everything the roles before it may do. */
public enum WorkspaceRole {
    VIEWER, MEMBER, OWNER;

    public boolean includes(WorkspaceRole other) {
        return compareTo(other) >= 0;
    }
}
