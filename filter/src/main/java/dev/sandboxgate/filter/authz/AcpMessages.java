package dev.sandboxgate.filter.authz;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What an ACP POST body asks of the agent, read from its JSON-RPC envelope: one message or a batch (every element
 * counts; one refused element refuses the batch). Each message is a request or notification ({@code method}) or a
 * reply ({@code id} with {@code result} or {@code error}). Found anywhere in a message, {@code mcpServers} entries that
 * are not remote ({@code type} {@code http} or {@code sse}) start local commands; {@code params.cwd} names a directory
 * the agent will work in. The method name alone decides nothing, so a future method that carries them is caught too.
 *
 * @param localMcp whether any message starts a local MCP server
 * @param cwds     every {@code params.cwd}
 * @param methods  the JSON-RPC methods of the requests and notifications, in order (for the audit trail)
 */
record AcpMessages(boolean localMcp, List<String> cwds, List<String> methods) {

    static AcpMessages inspect(Object body) throws JsonTree.Invalid {
        List<Object> messages;
        if (body instanceof Map<?, ?>) {
            messages = List.of(body);
        } else if (body instanceof List<?> batch && !batch.isEmpty()) {
            messages = new ArrayList<>(batch);
        } else {
            throw new JsonTree.Invalid("An ACP body is a JSON-RPC message or a non-empty batch of them.");
        }
        boolean localMcp = false;
        List<String> cwds = new ArrayList<>();
        List<String> methods = new ArrayList<>();
        for (Object message : messages) {
            if (!(message instanceof Map<?, ?> fields)) {
                throw new JsonTree.Invalid("Each JSON-RPC message is an object.");
            }
            if (fields.containsKey("method")) {
                if (!(fields.get("method") instanceof String method) || method.isEmpty()) {
                    throw new JsonTree.Invalid("A JSON-RPC method is a non-empty string.");
                }
                methods.add(method);
                Object params = fields.get("params");
                if (params != null && !(params instanceof Map<?, ?>) && !(params instanceof List<?>)) {
                    throw new JsonTree.Invalid("JSON-RPC params are an object or an array.");
                }
                if (params instanceof Map<?, ?> named && named.containsKey("cwd")) {
                    if (!(named.get("cwd") instanceof String cwd)) {
                        throw new JsonTree.Invalid("params.cwd is a string.");
                    }
                    cwds.add(cwd);
                }
            } else if (!fields.containsKey("id") || !(fields.containsKey("result") || fields.containsKey("error"))) {
                throw new JsonTree.Invalid("Each JSON-RPC message is a request, a notification or a reply.");
            }
            localMcp |= startsLocalMcp(message);
        }
        return new AcpMessages(localMcp, List.copyOf(cwds), List.copyOf(methods));
    }

    /** Whether {@code value} holds, at any depth, an {@code mcpServers} entry that is not a remote server. */
    private static boolean startsLocalMcp(Object value) {
        if (value instanceof Map<?, ?> object) {
            for (Map.Entry<?, ?> field : object.entrySet()) {
                if ("mcpServers".equals(field.getKey()) && !allRemote(field.getValue())) {
                    return true;
                }
                if (startsLocalMcp(field.getValue())) {
                    return true;
                }
            }
        } else if (value instanceof List<?> array) {
            for (Object element : array) {
                if (startsLocalMcp(element)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean allRemote(Object servers) {
        if (servers == null) {
            return true;
        }
        if (!(servers instanceof List<?> list)) {
            return false; // not the documented shape: assume the worst
        }
        for (Object server : list) {
            if (!(server instanceof Map<?, ?> entry)) {
                return false;
            }
            Object type = entry.get("type");
            if (!"http".equals(type) && !"sse".equals(type)) {
                return false;
            }
        }
        return true;
    }
}
