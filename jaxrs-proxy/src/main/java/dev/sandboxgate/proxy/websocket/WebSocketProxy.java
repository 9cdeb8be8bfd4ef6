package dev.sandboxgate.proxy.websocket;

import dev.sandboxgate.filter.ExchangeOutcome;
import dev.sandboxgate.filter.GateExchange;
import dev.sandboxgate.filter.ProblemType;
import dev.sandboxgate.filter.Problems;
import dev.sandboxgate.filter.SandboxPrincipal;
import dev.sandboxgate.filter.metrics.GateMetrics;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Relays WebSocket connections (the SDK's process terminals and desktop signalling) to the sandbox. The handshake is
 * an ordinary request that has passed {@code SandboxAuthFilter}, so a refusal is an HTTP problem answer and nothing
 * reaches the sandbox; only then does the gateway open its own WebSocket to the sandbox (JDK client, the sandbox's
 * token) and, once the sandbox accepted, upgrade the caller's connection with the container's Jakarta WebSocket
 * {@code ServerContainer.upgradeHttpToWebSocket}. A sandbox that refuses the handshake is answered as it answered.
 *
 * <p>Messages are relayed in order and unchanged in both directions, with back-pressure: the gateway reads the next
 * message from one side only once the other side has taken the previous one, so a slow peer costs at most one
 * message (up to {@code maxMessage}) per direction, never a growing buffer. Close codes and reasons cross both ways;
 * each side's pings are answered on its own hop.
 */
public final class WebSocketProxy implements AutoCloseable {
    /** Gauge {@code sandbox.gate.open.streams{kind="websocket"}}: sessions relayed right now. */
    private static final AtomicInteger OPEN_SESSIONS = GateMetrics.openStreams("websocket");

    private static final System.Logger LOG = System.getLogger(WebSocketProxy.class.getName());
    /** The servlet context attribute under which Jakarta WebSocket containers publish their {@code ServerContainer}. */
    static final String SERVER_CONTAINER = "jakarta.websocket.server.ServerContainer";
    /** {@link SandboxPrincipal#authMethod()}s whose credential the browser adds by itself (cookies, HTTP auth). */
    private static final Set<String> AMBIENT_AUTH_METHODS = Set.of("container");

    private final Object serverContainer;
    private final HttpClient client;
    private final Duration connectTimeout;
    private final Duration idleTimeout;
    private final long maxMessage;
    private final ScheduledExecutorService timers;
    private final Set<Bridge> open = ConcurrentHashMap.newKeySet();

    private WebSocketProxy(Object serverContainer, HttpClient client, Duration connectTimeout, Duration idleTimeout,
                           long maxMessage) {
        this.serverContainer = serverContainer;
        this.client = client;
        this.connectTimeout = connectTimeout;
        this.idleTimeout = idleTimeout;
        this.maxMessage = maxMessage;
        this.timers = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sandbox-gate-websocket-timer");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * The relay for the container {@code context} runs in, or null when that container offers no Jakarta WebSocket
     * (then upgrade requests are refused with 501).
     *
     * @param idleTimeout longest time without a message in either direction; zero means none
     * @param maxMessage  largest message relayed from the sandbox to the caller (larger ones close with 1009)
     */
    public static WebSocketProxy forContainer(ServletContext context, HttpClient client, Duration connectTimeout,
                                              Duration idleTimeout, long maxMessage) {
        Object container = context.getAttribute(SERVER_CONTAINER);
        if (container == null) {
            return null;
        }
        try {
            ContainerUpgrade.check(container);
        } catch (LinkageError | ClassCastException e) {
            return null; // the API is not visible to this application: as good as no WebSocket support
        }
        return new WebSocketProxy(container, client, connectTimeout, idleTimeout, maxMessage);
    }

    /** Whether {@code request} asks for a WebSocket (RFC 6455 4.1: a GET with {@code Upgrade: websocket}). */
    public static boolean isUpgrade(HttpServletRequest request) {
        if (!"GET".equals(request.getMethod())) {
            return false;
        }
        for (String value : Collections.list(request.getHeaders("Upgrade"))) {
            for (String token : value.split(",")) {
                if (token.trim().equalsIgnoreCase("websocket")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Opens the sandbox's side, then upgrades the caller's connection and relays until either side closes. Returns
     * once the upgrade is arranged (the relay holds no thread); on any failure the caller gets a problem answer.
     *
     * @param target  the sandbox's {@code ws(s)://} URI, its query without the caller's token
     * @param headers the handshake headers for the sandbox (name, value): its own token, the request id, forwarding
     * @param gate    the filter's exchange: once upgraded, the relay reports its end there (status 101, payload
     *                bytes each way, close code and messages each way); before that the filter reports it
     */
    public void relay(HttpServletRequest request, HttpServletResponse response, URI target,
                      List<Map.Entry<String, String>> headers, GateExchange gate) throws IOException {
        String requestId = gate.requestId();
        String key = request.getHeader("Sec-WebSocket-Key");
        String version = request.getHeader("Sec-WebSocket-Version");
        if (key == null || key.isBlank()) {
            Problems.send(response, ProblemType.BAD_REQUEST, "A WebSocket handshake needs Sec-WebSocket-Key.",
                    requestId);
            return;
        }
        if (!"13".equals(version == null ? null : version.trim())) {
            response.setHeader("Sec-WebSocket-Version", "13"); // RFC 6455 4.4
            Problems.send(response, ProblemType.BAD_REQUEST, "The gateway speaks WebSocket version 13.", requestId);
            return;
        }
        if (crossSiteWithAmbientCredential(request, gate.principal())) {
            Problems.send(response, ProblemType.WEBSOCKET_CROSS_ORIGIN, "A WebSocket from another site must carry "
                    + "a token (access_token or Authorization), not only the container's login.", requestId);
            return;
        }
        List<String> offered = subprotocols(request);
        Bridge bridge = new Bridge(this, gate);
        WebSocket upstream;
        try {
            upstream = connect(target, headers, offered, bridge);
        } catch (WebSocketHandshakeException e) {
            relayRefusal(response, e, requestId);
            return;
        } catch (HttpTimeoutException e) {
            Problems.send(response, ProblemType.UPSTREAM_TIMEOUT, "The sandbox did not accept the WebSocket in time.",
                    requestId);
            return;
        } catch (ConnectException e) {
            Problems.send(response, ProblemType.UPSTREAM_UNREACHABLE, "The sandbox could not be reached.", requestId);
            return;
        } catch (IllegalArgumentException e) {
            // A header the WebSocket client refuses; the message may quote its value, so it stays here.
            Problems.send(response, ProblemType.BAD_REQUEST, "The handshake's headers cannot be forwarded as sent.",
                    requestId);
            return;
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "request {0}: the sandbox''s WebSocket handshake failed ({1})", requestId,
                    e.getClass().getName());
            Problems.send(response, ProblemType.UPSTREAM_UNREACHABLE, "The WebSocket to the sandbox failed.",
                    requestId);
            return;
        }
        gate.relayOwnsEnd(); // from here on the bridge reports the end, once both sides are closed
        gate.onDrain(phase -> bridge.shutDown()); // the gateway is shutting down: 1001 (going away) both ways
        try {
            ContainerUpgrade.upgrade(serverContainer, request, response, bridge, upstream.getSubprotocol());
            later(connectTimeout, bridge::abandonIfNeverOpened);
        } catch (Exception | LinkageError e) {
            upstream.abort();
            gate.end(400, 0, 0, ExchangeOutcome.EndedBy.GATEWAY);
            LOG.log(Level.WARNING, "request {0}: the container refused the WebSocket upgrade ({1})", requestId,
                    e.getClass().getName());
            Problems.send(response, ProblemType.BAD_REQUEST, "The WebSocket handshake could not be completed.",
                    requestId);
        }
    }

    private WebSocket connect(URI target, List<Map.Entry<String, String>> headers, List<String> offered,
                              Bridge bridge) throws IOException {
        WebSocket.Builder builder = client.newWebSocketBuilder().connectTimeout(connectTimeout);
        headers.forEach(header -> builder.header(header.getKey(), header.getValue()));
        if (!offered.isEmpty()) {
            builder.subprotocols(offered.get(0), offered.subList(1, offered.size()).toArray(String[]::new));
        }
        try {
            // Bounded by connectTimeout, which the JDK applies to the whole opening handshake; the margin only
            // guards against a client that never completes the future.
            return builder.buildAsync(target, bridge.upstreamListener())
                    .get(connectTimeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException(cause == null ? e : cause);
        } catch (TimeoutException e) {
            throw new HttpTimeoutException("opening handshake");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** The sandbox answered the handshake with something else than 101: the caller gets that answer. */
    private static void relayRefusal(HttpServletResponse response, WebSocketHandshakeException refusal,
                                     String requestId) throws IOException {
        var answer = refusal.getResponse();
        if (answer == null || response.isCommitted()) {
            Problems.send(response, ProblemType.UPSTREAM_UNREACHABLE, "The sandbox refused the WebSocket.",
                    requestId);
            return;
        }
        response.setStatus(answer.statusCode());
        answer.headers().firstValue("content-type").ifPresent(response::setContentType);
        byte[] body = answer.body() instanceof String text ? text.getBytes(StandardCharsets.UTF_8)
                : answer.body() instanceof byte[] bytes ? bytes : new byte[0];
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        response.flushBuffer();
    }

    /**
     * Browsers send cookies and cached HTTP credentials on WebSocket handshakes from any site, and the same-origin
     * policy does not apply to WebSockets: with only such an ambient credential (the container's login), a handshake
     * whose {@code Origin} names another host than its {@code Host} would let any page a user visits open their
     * terminal. Tokens (JWT, API key, app token) are never ambient, so they may come from anywhere.
     */
    static boolean crossSiteWithAmbientCredential(HttpServletRequest request, SandboxPrincipal principal) {
        if (principal == null || !AMBIENT_AUTH_METHODS.contains(principal.authMethod())) {
            return false;
        }
        String origin = request.getHeader("Origin");
        if (origin == null) {
            return false; // not a browser: nothing ambient rode along
        }
        String host = request.getHeader("Host");
        try {
            URI from = URI.create(origin.trim());
            if (from.getHost() == null || host == null) {
                return true; // "null" (sandboxed frames, file:) or no Host to compare with
            }
            int port = from.getPort() >= 0 ? from.getPort() : "https".equalsIgnoreCase(from.getScheme()) ? 443 : 80;
            return !(from.getHost() + ":" + port).equalsIgnoreCase(withPort(host.trim(), request.isSecure()));
        } catch (IllegalArgumentException e) {
            return true;
        }
    }

    private static String withPort(String host, boolean secure) {
        boolean hasPort = host.startsWith("[") ? host.contains("]:") : host.contains(":");
        return hasPort ? host : host + ":" + (secure ? 443 : 80);
    }

    private static List<String> subprotocols(HttpServletRequest request) {
        List<String> offered = new ArrayList<>();
        for (String value : Collections.list(request.getHeaders("Sec-WebSocket-Protocol"))) {
            for (String token : value.split(",")) {
                String name = token.trim();
                if (!name.isEmpty()) {
                    offered.add(name);
                }
            }
        }
        return offered;
    }

    // ---- for the bridges ----

    long maxMessage() {
        return maxMessage;
    }

    Duration idleTimeout() {
        return idleTimeout;
    }

    void opened(Bridge bridge) {
        if (open.add(bridge)) {
            OPEN_SESSIONS.incrementAndGet();
        }
    }

    void ended(Bridge bridge) {
        if (open.remove(bridge)) {
            OPEN_SESSIONS.decrementAndGet();
        }
    }

    /** Runs {@code task} after {@code delay} on the relay's timer thread. */
    void later(Duration delay, Runnable task) {
        try {
            timers.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) {
            task.run();
        }
    }

    /** Closes every open relay (going away) and stops the timers: the application is being undeployed. */
    @Override
    public void close() {
        for (Bridge bridge : open) {
            bridge.shutDown();
        }
        timers.shutdownNow();
    }
}
