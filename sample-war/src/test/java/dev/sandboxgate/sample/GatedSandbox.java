package dev.sandboxgate.sample;

import dev.sandboxgate.filter.WorkspaceRole;
import dev.sandboxgate.proxy.GatewayServer;
import dev.sandboxgate.proxy.RawClient;
import dev.sandboxgate.proxy.RoleTokenAuthenticator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The real Sandbox Agent server behind a {@link RecordingRelay} (what reached the sandbox), behind the gateway's real
 * filter and proxy on embedded Jetty, with authorization enforced as deployed. Callers hold roles through
 * {@link RoleTokenAuthenticator} tokens; the filesystem root is a directory of the sandbox's own.
 */
final class GatedSandbox implements AutoCloseable {
    final SandboxAgentServer sandbox;
    final RecordingRelay relay;
    final GatewayServer gateway;
    /** {@code fs-root}: requests' paths must stay in here. */
    final Path root;

    private GatedSandbox(SandboxAgentServer sandbox, RecordingRelay relay, GatewayServer gateway, Path root) {
        this.sandbox = sandbox;
        this.relay = relay;
        this.gateway = gateway;
        this.root = root;
    }

    /**
     * @param lenient whether the container lets every request URI through (so that refusals are the gateway's own,
     *                not Jetty's URI compliance)
     */
    static GatedSandbox start(boolean lenient) throws Exception {
        SandboxAgentServer sandbox = SandboxAgentServer.start();
        RecordingRelay relay = null;
        try {
            relay = new RecordingRelay(sandbox.url());
            Path root = Files.createDirectories(sandbox.scratch().resolve("workspace"));
            Map<String, String> proxy = new HashMap<>(Map.of("sandbox-token", sandbox.token(),
                    // The sandbox answers DELETE /v1/acp/{id} only when the caller leaves: do not wait 5 s each.
                    "acp-delete-timeout", "1s", "response-timeout", "30s"));
            Map<String, String> filter = Map.of("authenticators", RoleTokenAuthenticator.class.getName(),
                    "fs-root", root.toString());
            GatewayServer gateway = lenient ? GatewayServer.startLenient(relay.url(), proxy, filter)
                    : GatewayServer.start(relay.url(), proxy, filter);
            return new GatedSandbox(sandbox, relay, gateway, root);
        } catch (Exception e) {
            if (relay != null) {
                relay.close();
            }
            sandbox.close();
            throw e;
        }
    }

    /** The {@code Authorization} header line of {@code subject}, holding {@code role} in {@code workspace}. */
    static String as(WorkspaceRole role, String workspace, String subject) {
        return "Authorization: Bearer " + RoleTokenAuthenticator.token(role, workspace, subject);
    }

    /** Sends {@code method target} (raw, as written) with {@code auth} and an optional JSON body; reads the answer. */
    RawClient.Response send(String method, String target, String auth, String body) throws IOException {
        return send(method, target, auth, "application/json", body == null ? null
                : body.getBytes(StandardCharsets.UTF_8));
    }

    RawClient.Response send(String method, String target, String auth, String contentType, byte[] body)
            throws IOException {
        String head = method + " " + target + " HTTP/1.1\r\nHost: gw\r\n" + auth + "\r\nAccept: application/json"
                + (body == null ? "" : "\r\nContent-Type: " + contentType + "\r\nContent-Length: " + body.length)
                + "\r\nConnection: close";
        return RawClient.exchange(gateway.baseUrl(), head, body);
    }

    @Override
    public void close() throws Exception {
        gateway.close();
        relay.close();
        sandbox.close();
    }
}
