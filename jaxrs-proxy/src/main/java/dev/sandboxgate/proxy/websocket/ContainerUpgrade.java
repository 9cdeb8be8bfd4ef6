package dev.sandboxgate.proxy.websocket;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.websocket.Extension;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The only code that touches {@code jakarta.websocket.server}, so that a container without WebSocket support fails
 * here (a {@link LinkageError} the caller turns into "not available") and nowhere else.
 */
final class ContainerUpgrade {
    private ContainerUpgrade() {
    }

    static void check(Object serverContainer) {
        ServerContainer.class.cast(serverContainer);
    }

    /**
     * Upgrades the caller's connection with {@code bridge} as its endpoint, answering with the subprotocol the sandbox
     * chose (empty: none) and no extensions: messages are relayed whole, so compression on the caller's hop would
     * only cost memory and CPU per socket.
     */
    static void upgrade(Object serverContainer, HttpServletRequest request, HttpServletResponse response,
                        Bridge bridge, String upstreamSubprotocol) throws IOException, jakarta.websocket.DeploymentException {
        List<String> subprotocols = upstreamSubprotocol.isEmpty() ? List.of() : List.of(upstreamSubprotocol);
        ServerEndpointConfig config = ServerEndpointConfig.Builder.create(Bridge.BrowserSide.class, "/")
                .subprotocols(subprotocols)
                .extensions(List.of())
                .configurator(new OneEndpoint(bridge, upstreamSubprotocol))
                .build();
        ((ServerContainer) serverContainer).upgradeHttpToWebSocket(request, response, config, Map.of());
    }

    /** Hands the container the bridge built for this request, and negotiates what the sandbox negotiated. */
    private static final class OneEndpoint extends ServerEndpointConfig.Configurator {
        private final Bridge bridge;
        private final String subprotocol;

        OneEndpoint(Bridge bridge, String subprotocol) {
            this.bridge = bridge;
            this.subprotocol = subprotocol;
        }

        @Override
        public <T> T getEndpointInstance(Class<T> endpointClass) {
            return endpointClass.cast(bridge.browserSide());
        }

        @Override
        public String getNegotiatedSubprotocol(List<String> supported, List<String> requested) {
            return requested.contains(subprotocol) ? subprotocol : "";
        }

        @Override
        public List<Extension> getNegotiatedExtensions(List<Extension> installed, List<Extension> requested) {
            return List.of();
        }

        @Override
        public boolean checkOrigin(String originHeaderValue) {
            return true; // the request passed SandboxAuthFilter: authenticated and authorized like any other
        }

        @Override
        public void modifyHandshake(ServerEndpointConfig sec, HandshakeRequest request, HandshakeResponse response) {
            // nothing to add: the X-Request-Id set by the filter is already on the response
        }
    }
}
