package dev.sandboxgate.proxy;

import java.net.URI;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Which sandbox serves a workspace: {@code {mount}/{workspaceId}/{rest}} is forwarded to {@code {baseUrl}/{rest}} of
 * the workspace's sandbox, with that sandbox's token and no other. Chosen by the proxy servlet's
 * {@code sandbox-directory} init-param: {@code single} (the default: every workspace to {@code sandbox-url} with
 * {@code sandbox-token}), {@code file} (a properties file, see {@link FileSandboxDirectory}), or the class name of an
 * implementation of your own (public, with a public constructor taking {@link dev.sandboxgate.filter.Settings} or
 * none). Implementations are thread-safe and answer quickly (cache what you look up).
 */
public interface SandboxDirectory {

    /**
     * A sandbox the gateway forwards to.
     *
     * @param id      a name for logs and messages; never the token
     * @param baseUrl {@code http(s)://host:port[/base]}, without a trailing slash
     * @param token   its bearer token: sent to {@code baseUrl} only, never logged or returned
     */
    record Sandbox(String id, URI baseUrl, String token) {
        public Sandbox {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(baseUrl, "baseUrl");
            Objects.requireNonNull(token, "token");
        }

        @Override
        public String toString() {
            return "Sandbox[id=" + id + ", baseUrl=" + baseUrl + "]"; // never the token
        }
    }

    /** The sandbox serving {@code workspaceId} (already validated), or null when none does. */
    Sandbox sandboxFor(String workspaceId);

    /**
     * Every sandbox this directory knows, for the readiness check (each is probed); empty when the directory cannot
     * list them (sandboxes found on demand), and then readiness does not cover them.
     */
    default Collection<Sandbox> sandboxes() {
        return List.of();
    }
}
