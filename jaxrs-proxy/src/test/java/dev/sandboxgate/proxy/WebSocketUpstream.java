package dev.sandboxgate.proxy;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerEndpointConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A scripted WebSocket server standing in for the sandbox where a test must watch the wire (the handshake the
 * gateway sent, the moment and code of a close) or needs behaviour the real server cannot show on demand (a flood
 * that ignores a slow reader, an abrupt drop, a refused handshake). Serves {@code /v1/processes/{id}/terminal/ws}:
 * echoes every message unchanged; the text commands {@code close CODE REASON}, {@code drop} and
 * {@code flood BYTES} make it close, vanish or send that many bytes as 16 KiB binary messages.
 */
public final class WebSocketUpstream implements AutoCloseable {

    /** A handshake as it arrived: its query string and headers (lower-case names). */
    public record Handshake(String query, Map<String, List<String>> headers) {
        public String first(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }
    }

    /** How a connection ended, as this server saw it, and when ({@link System#nanoTime()}). */
    public record Closed(int code, String reason, long atNanos) {
    }

    private final Server server;
    private final BlockingQueue<Handshake> handshakes = new LinkedBlockingQueue<>();
    private final BlockingQueue<Closed> closes = new LinkedBlockingQueue<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicLong flooded = new AtomicLong();
    private volatile Session last;

    public WebSocketUpstream() throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        JakartaWebSocketServletContainerInitializer.configure(context, (servletContext, container) ->
                container.addEndpoint(ServerEndpointConfig.Builder
                        .create(Echo.class, "/v1/processes/{id}/terminal/ws")
                        .configurator(new ServerEndpointConfig.Configurator() {
                            @Override
                            public void modifyHandshake(ServerEndpointConfig sec, HandshakeRequest request,
                                                        HandshakeResponse response) {
                                Map<String, List<String>> lower = new java.util.TreeMap<>();
                                request.getHeaders().forEach((k, v) -> lower.put(k.toLowerCase(java.util.Locale.ROOT), v));
                                handshakes.add(new Handshake(request.getQueryString(), lower));
                            }

                            @Override
                            public <T> T getEndpointInstance(Class<T> endpointClass) {
                                return endpointClass.cast(new Echo(WebSocketUpstream.this));
                            }
                        }).build()));
        server.setHandler(context);
        server.start();
    }

    /** {@code http://127.0.0.1:PORT}: the gateway's {@code sandbox-url}. */
    public String url() {
        return "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /** The next handshake that reached this server, or null after the wait. */
    public Handshake nextHandshake(long timeout, java.util.concurrent.TimeUnit unit) throws InterruptedException {
        return handshakes.poll(timeout, unit);
    }

    /** The next connection end this server saw, or null after the wait. */
    public Closed nextClose(long timeout, java.util.concurrent.TimeUnit unit) throws InterruptedException {
        return closes.poll(timeout, unit);
    }

    /** WebSocket connections opened so far. */
    public int connections() {
        return connections.get();
    }

    /** Bytes of a flood the container has taken so far (sent or buffered for sending). */
    public long flooded() {
        return flooded.get();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    /** One connection: echoes, or obeys a command. Public for the container, which checks endpoint classes. */
    public static final class Echo extends Endpoint {
        private final WebSocketUpstream owner;

        Echo(WebSocketUpstream owner) {
            this.owner = owner;
        }

        @Override
        public void onOpen(Session session, EndpointConfig config) {
            owner.connections.incrementAndGet();
            owner.last = session;
            session.setMaxIdleTimeout(0);
            session.setMaxTextMessageBufferSize(4 << 20);
            session.setMaxBinaryMessageBufferSize(4 << 20);
            session.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> {
                try {
                    if (text.startsWith("close ")) {
                        String[] parts = text.split(" ", 3);
                        session.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(Integer.parseInt(parts[1])),
                                parts.length > 2 ? parts[2] : ""));
                    } else if (text.equals("drop")) {
                        ((org.eclipse.jetty.ee10.websocket.jakarta.common.JakartaWebSocketSession) session)
                                .getCoreSession().abort();
                    } else if (text.startsWith("flood ")) {
                        flood(session, Long.parseLong(text.substring(6)));
                    } else {
                        session.getBasicRemote().sendText(text);
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            session.addMessageHandler(ByteBuffer.class, (MessageHandler.Whole<ByteBuffer>) data -> {
                try {
                    session.getBasicRemote().sendBinary(data);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }

        /** Sends on another thread, blocking on each send: it stalls exactly when the gateway stops reading. */
        private void flood(Session session, long bytes) {
            Thread sender = new Thread(() -> {
                byte[] chunk = new byte[16 * 1024];
                try {
                    for (long sent = 0; sent < bytes; sent += chunk.length) {
                        for (int i = 0; i < chunk.length; i++) {
                            chunk[i] = (byte) ((sent + i) % 251);
                        }
                        session.getBasicRemote().sendBinary(ByteBuffer.wrap(chunk));
                        owner.flooded.addAndGet(chunk.length);
                    }
                } catch (IOException | RuntimeException e) {
                    // the connection ended
                }
            }, "websocket-upstream-flood");
            sender.setDaemon(true);
            sender.start();
        }

        @Override
        public void onClose(Session session, CloseReason reason) {
            owner.closes.add(new Closed(reason.getCloseCode().getCode(), reason.getReasonPhrase(), System.nanoTime()));
        }
    }
}
