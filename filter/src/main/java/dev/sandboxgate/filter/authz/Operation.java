package dev.sandboxgate.filter.authz;

import dev.sandboxgate.filter.WorkspaceRole;

/**
 * What a request does to a sandbox, as the route table classifies it, with the least workspace role that may do it by
 * default. The names are the configuration's vocabulary ({@code route-policy}) and appear in refusals.
 */
public enum Operation {
    HEALTH("health", WorkspaceRole.VIEWER),
    AGENTS_READ("agents.read", WorkspaceRole.VIEWER),
    /** Downloads and installs agent binaries into the sandbox. */
    AGENTS_INSTALL("agents.install", WorkspaceRole.OWNER),
    ACP_LIST("acp.list", WorkspaceRole.VIEWER),
    ACP_STREAM("acp.stream", WorkspaceRole.VIEWER),
    ACP_SEND("acp.send", WorkspaceRole.MEMBER),
    ACP_DELETE("acp.delete", WorkspaceRole.MEMBER),
    /**
     * An ACP message whose {@code mcpServers} start a local (stdio) MCP server: a command the agent will run, so code
     * execution. Checked in addition to {@code acp.send}, on every message that carries {@code mcpServers}.
     */
    ACP_LOCAL_MCP("acp.local-mcp", WorkspaceRole.OWNER),
    FS_READ("fs.read", WorkspaceRole.VIEWER),
    /** Write a file, mkdir, move. */
    FS_WRITE("fs.write", WorkspaceRole.MEMBER),
    /**
     * {@code upload-batch}: the sandbox unpacks a tar and would follow symbolic and hard links in it out of any
     * directory; the gateway inspects every entry as the archive is relayed ({@code TarInspector}), so members may.
     */
    FS_UPLOAD("fs.upload", WorkspaceRole.MEMBER),
    FS_DELETE("fs.delete", WorkspaceRole.OWNER),
    /** MCP and skills configuration: MCP entries may carry secrets (env, headers), so owner by default. */
    CONFIG_READ("config.read", WorkspaceRole.OWNER),
    /** An MCP "local" entry is a command the agent will run: code execution. */
    CONFIG_WRITE("config.write", WorkspaceRole.OWNER),
    PROCESS_READ("process.read", WorkspaceRole.OWNER),
    /** Arbitrary command execution: create, run, input, stop, kill, terminal. */
    PROCESS_EXEC("process.exec", WorkspaceRole.OWNER),
    DESKTOP_READ("desktop.read", WorkspaceRole.OWNER),
    /** Screen, mouse, keyboard, clipboard, launching programs. */
    DESKTOP_CONTROL("desktop.control", WorkspaceRole.OWNER),
    OPENCODE_READ("opencode.read", WorkspaceRole.OWNER),
    OPENCODE_WRITE("opencode.write", WorkspaceRole.OWNER);

    private final String id;
    private final WorkspaceRole defaultRole;

    Operation(String id, WorkspaceRole defaultRole) {
        this.id = id;
        this.defaultRole = defaultRole;
    }

    /** The name used in configuration and refusals, e.g. {@code fs.write}. */
    public String id() {
        return id;
    }

    /** The least role that may perform it unless {@code route-policy} says otherwise. */
    public WorkspaceRole defaultRole() {
        return defaultRole;
    }

    /** The operation named {@code id}, or null. */
    static Operation byId(String id) {
        for (Operation operation : values()) {
            if (operation.id.equals(id)) {
                return operation;
            }
        }
        return null;
    }
}
