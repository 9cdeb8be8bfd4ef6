package dev.sandboxgate.proxy;

import dev.sandboxgate.filter.ConfigurationException;
import dev.sandboxgate.filter.Drain;
import dev.sandboxgate.filter.GateAttributes;
import dev.sandboxgate.filter.GateExchange;
import dev.sandboxgate.filter.ProblemType;
import dev.sandboxgate.filter.Problems;
import dev.sandboxgate.filter.Settings;
import dev.sandboxgate.filter.authz.Authorization;
import dev.sandboxgate.proxy.websocket.WebSocketProxy;
import dev.sandboxgate.filter.health.ReadinessChecks;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.eclipse.jetty.client.Request;

/**
 * Forwards {@code {mount}/{workspaceId}/{rest}?{query}} to {@code {sandbox-url}/{rest}?{query}} with the sandbox's
 * own token, streaming both ways without holding a thread per request. It forwards only requests that passed
 * {@code SandboxAuthFilter} (fail closed): map the filter to the same URL pattern.
 *
 * <p>Init-params (placeholders allowed, see {@link Settings}): {@code sandbox-url} and {@code sandbox-token}
 * (required unless {@code sandbox-directory} names another {@link SandboxDirectory} than {@code single}, such as
 * {@code file} with {@code sandbox-directory-file} or {@code jdbc}, see {@link JdbcSandboxDirectory}); {@code connect-timeout} (10s), {@code response-timeout} (5m), {@code idle-timeout} (5m),
 * {@code acp-delete-timeout} (5s), {@code async-timeout} (0 = none), {@code max-request-body} (2MiB), {@code stream-buffer} (1MiB),
 * {@code credential-headers} (extra request headers never forwarded, comma-separated), {@code websocket-idle-timeout}
 * (30m), {@code websocket-max-message} (1MiB).
 *
 * <p>A WebSocket handshake ({@code GET} with {@code Upgrade: websocket}) that passed the filter is relayed by
 * {@link WebSocketProxy}: the container upgrades it only once the sandbox has accepted the gateway's own WebSocket.
 */
public class SandboxProxyServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger(SandboxProxyServlet.class.getName());
    private static final Pattern ACP_SERVER = Pattern.compile("/v1/acp/[^/]+");
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");


    private transient Upstream upstream;
    private transient SandboxDirectory directory;
    private transient WebSocketProxy webSockets;

    @Override
    public void init() throws ServletException {
        try {
            Settings settings = Settings.of(getServletConfig());
            ProxySettings proxySettings = ProxySettings.from(settings);
            directory = SandboxDirectories.from(settings, proxySettings);
            upstream = new Upstream(proxySettings);
            webSockets = WebSocketProxy.forContainer(getServletContext(), upstream.webSocketClient(),
                    proxySettings.connectTimeout(), proxySettings.webSocketIdleTimeout(),
                    proxySettings.webSocketMaxMessage());
            if (webSockets == null) {
                LOG.log(System.Logger.Level.WARNING, "the container offers no Jakarta WebSocket: WebSocket upgrades "
                        + "(process terminals, desktop streaming) will be refused with 501");
            }
            ReadinessChecks checks = ReadinessChecks.of(getServletContext());
            directory.sandboxes().forEach(sandbox -> checks.register(new SandboxProbe(upstream, sandbox)));
        } catch (ConfigurationException e) {
            throw new ServletException(e.getMessage(), e);
        }
    }

    /**
     * Lets the exchanges under way finish first (see {@link Drain}; the filter may have drained already, then this
     * returns at once), then releases the HTTP client's threads and connections.
     */
    @Override
    public void destroy() {
        Drain.of(getServletContext()).drain();
        if (webSockets != null) {
            webSockets.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        if (directory instanceof AutoCloseable resources) {
            try {
                resources.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "the sandbox directory did not close cleanly: {0}",
                        e.getClass().getName());
            }
        }
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (request.getDispatcherType() == DispatcherType.ASYNC) {
            // Only ProxyExchange dispatches, and only to abort a response the sandbox broke off mid-body.
            throw new IOException("the sandbox's response broke off; aborting the client's copy");
        }
        String requestId = GateAttributes.requestId(request);
        GateExchange gate = GateAttributes.exchange(request);
        if (GateAttributes.principal(request) == null || gate == null) {
            Problems.send(response, ProblemType.NOT_GATED,
                    "SandboxAuthFilter must be mapped in front of the proxy; nothing was forwarded.", requestId);
            return;
        }
        if (!METHODS.contains(request.getMethod())) {
            response.setHeader("Allow", String.join(", ", METHODS));
            Problems.send(response, ProblemType.METHOD_NOT_ALLOWED,
                    "The gateway forwards " + String.join(", ", METHODS) + ".", requestId, gate.traceId());
            return;
        }
        long maxBody = upstream.settings().maxRequestBody();
        if (request.getContentLengthLong() > maxBody) {
            Problems.send(response, ProblemType.PAYLOAD_TOO_LARGE,
                    "The request body exceeds the gateway's limit of " + maxBody + " bytes.", requestId,
                    gate.traceId());
            return;
        }
        Request upstreamRequest;
        Duration responseTimeout;
        try {
            GatewayPath path = GatewayPath.of(request);
            SandboxDirectory.Sandbox sandbox;
            try {
                sandbox = directory.sandboxFor(path.workspaceId());
            } catch (RuntimeException e) {
                logDirectoryFailure(e, requestId);
                Problems.send(response, ProblemType.DIRECTORY_UNAVAILABLE,
                        "The gateway cannot tell which sandbox serves this workspace right now; nothing was forwarded.",
                        requestId);
                return;
            }
            if (sandbox == null) {
                Problems.send(response, ProblemType.WORKSPACE_NOT_FOUND,
                        "No sandbox serves workspace '" + path.workspaceId() + "'.", requestId, gate.traceId());
                return;
            }
            gate.routedTo(sandbox.id());
            if (WebSocketProxy.isUpgrade(request)) {
                relayWebSocket(request, response, sandbox, path, gate);
                return;
            }
            upstreamRequest = upstream.newRequest(URI.create(sandbox.baseUrl() + path.upstreamPathAndQuery()),
                    request.getMethod());
            responseTimeout = responseTimeout(request, path);
            upstreamRequest.headers(headers -> upstream.headerPolicy().proxyToServerHeaders(request, requestId,
                    gate.trace(), headers::add, sandbox.token()));
        } catch (GatewayPath.Malformed e) {
            Problems.send(response, ProblemType.BAD_PATH, e.getMessage(), requestId, gate.traceId());
            return;
        } catch (IllegalArgumentException e) {
            // URI syntax or a query the HTTP client refuses; the message may quote the path, so it stays here.
            Problems.send(response, ProblemType.BAD_REQUEST,
                    "The request's path, query or headers cannot be forwarded as sent.", requestId, gate.traceId());
            return;
        }
        if (request.getAttribute(Authorization.RESPONSE_FILTER_ATTRIBUTE) instanceof UnaryOperator<?> filter) {
            @SuppressWarnings("unchecked") // set only by the authorization stage, always over byte[]
            UnaryOperator<byte[]> bodyFilter = (UnaryOperator<byte[]>) filter;
            FilteredResponse.relay(upstream, upstreamRequest, responseTimeout, request.getMethod(), response, gate,
                    bodyFilter);
            return;
        }
        new ProxyExchange(upstream, request, response, requestId, gate)
                .start(upstreamRequest, hasBody(request), responseTimeout);
    }

    private static void logDirectoryFailure(RuntimeException e, String requestId) {
        if (e instanceof JdbcSandboxDirectory.Unavailable) {
            LOG.log(System.Logger.Level.WARNING, "request {0}: {1}", requestId, e.getMessage()); // never a token
        } else {
            // Only the class: a directory of one's own might put anything in a message.
            LOG.log(System.Logger.Level.WARNING, "request {0}: the sandbox directory failed with {1}", requestId,
                    e.getClass().getName());
        }
    }

    private void relayWebSocket(HttpServletRequest request, HttpServletResponse response,
                                SandboxDirectory.Sandbox sandbox, GatewayPath path, GateExchange gate)
            throws IOException {
        String requestId = gate.requestId();
        if (webSockets == null) {
            Problems.send(response, ProblemType.WEBSOCKET_UNAVAILABLE, "This server's container has no Jakarta "
                    + "WebSocket support enabled; see the gateway's README.", requestId, gate.traceId());
            return;
        }
        String base = sandbox.baseUrl().toString();
        URI target = URI.create((base.startsWith("https:") ? "wss:" + base.substring(6) : "ws:" + base.substring(5))
                + path.upstreamPathAndQuery());
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        upstream.headerPolicy().proxyToServerHeaders(request, requestId, gate.trace(),
                (name, value) -> headers.add(Map.entry(name, value)), sandbox.token());
        webSockets.relay(request, response, target, headers, gate);
    }

    private Duration responseTimeout(HttpServletRequest request, GatewayPath path) {
        boolean acpDelete = request.getMethod().equals("DELETE") && ACP_SERVER.matcher(path.rawRest()).matches();
        return acpDelete ? upstream.settings().acpDeleteTimeout() : upstream.settings().responseTimeout();
    }

    private static boolean hasBody(HttpServletRequest request) {
        return request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null;
    }
}
