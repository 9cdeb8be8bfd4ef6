package dev.sandboxgate.proxy;

import dev.sandboxgate.filter.ProblemType;
import dev.sandboxgate.filter.Refusal;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The connection to one Sandbox Agent server: Jetty's HTTP client (HTTP/1.1, no redirects, no cookies, no content
 * decoding, no User-Agent of its own, a keep-alive pool large enough for thousands of open event streams), the small
 * pool of threads that runs its I/O and callbacks, and the sweeper that enforces idle timeouts on relayed bodies.
 * Threads are few: streams cost memory, not threads.
 *
 * <p>Jetty's client replaced the JDK's for relaying HTTP: the JDK client handed every request between its selector
 * thread, its executor and the common pool about six times, which cost the gateway three to four times the CPU per
 * proxied request of Jetty's own proxy (see BENCHMARKS.md). The JDK client stays for WebSockets only
 * ({@link #webSocketClient()}): {@code WebSocketProxy} needs its {@code newWebSocketBuilder}.
 */
final class Upstream implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Upstream.class.getName());

    /** How much of an ordinary response body the gateway holds before it stops reading the upstream. */
    static final long RESPONSE_WINDOW = 256 * 1024;

    /**
     * How long a pooled keep-alive connection may sit unused before the gateway closes it. Sandbox Agent 0.4.2 itself
     * keeps idle connections open (one was still open after 70 s), but whatever stands in between or serves in its
     * place may close them sooner (30 s for hyper's default header-read timeout, 60-75 s for common proxies): the
     * gateway closes first, because a POST sent on a connection the other side is closing fails with 502 and is never
     * retried. It also bounds the idle sockets a burst leaves behind.
     */
    static final Duration POOLED_IDLE = Duration.ofSeconds(15);

    /**
     * Connections and queued requests per sandbox: every open event stream holds a connection for hours, and a
     * gateway serves thousands of them (the JDK client's pool was unbounded).
     */
    private static final int MAX_CONNECTIONS = 32_768;

    /** Threads for the client's selector and callbacks (one selector). */
    private static final int MAX_THREADS = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

    private static final AtomicInteger SWEEPERS = new AtomicInteger();

    private final ProxySettings settings;
    private final HeaderPolicy headerPolicy;
    private final QueuedThreadPool threads;
    private final ScheduledExecutorService sweeper;
    private final HttpClient client;
    private final java.net.http.HttpClient webSocketClient;
    private final Set<ProxyExchange> open = ConcurrentHashMap.newKeySet();

    Upstream(ProxySettings settings) {
        this.settings = settings;
        this.headerPolicy = new HeaderPolicy(settings.credentialHeaders());
        // Every callback on these threads is non-blocking (Servlet async I/O), so a few serve any number of
        // exchanges; the JVM's thread count and RSS stay low (the pool grew to 32 under load otherwise).
        this.threads = new QueuedThreadPool(MAX_THREADS, 2, 60_000);
        threads.setName("sandbox-gate-upstream");
        threads.setDaemon(true);
        this.sweeper = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sandbox-gate-idle-sweeper-" + SWEEPERS.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        ClientConnector connector = new ClientConnector();
        connector.setExecutor(threads);
        connector.setSelectors(1);
        this.client = new HttpClient(new HttpClientTransportOverHTTP(connector));
        client.setExecutor(threads);
        client.setScheduler(new ScheduledExecutorScheduler("sandbox-gate-upstream-timer", true));
        // Buffers are not pooled: a pooled buffer goes back to the pool when its chunk is released, and a container
        // that still writes from it (an exchange ended while a write was pending) would send another exchange's
        // bytes to this caller. Heap buffers, so that the bytes reach the servlet stream without a copy.
        client.setByteBufferPool(new ByteBufferPool.NonPooling());
        client.setUseInputDirectByteBuffers(false);
        client.setFollowRedirects(false);
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        client.setUserAgentField(null);
        client.getContentDecoderFactories().clear(); // no Accept-Encoding of its own; bodies pass as sent
        client.setConnectTimeout(settings.connectTimeout().toMillis());
        client.setIdleTimeout(POOLED_IDLE.toMillis());
        client.setMaxConnectionsPerDestination(MAX_CONNECTIONS);
        client.setMaxRequestsQueuedPerDestination(MAX_CONNECTIONS);
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("the HTTP client to the sandbox did not start", e);
        }
        // Only for WebSocketProxy: Jetty's WebSocket client would bring a second WebSocket implementation into the
        // WAR. Created here, with the settings the relay had, so that its threads are released in close().
        this.webSocketClient = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1)
                .followRedirects(java.net.http.HttpClient.Redirect.NEVER)
                .proxy(java.net.http.HttpClient.Builder.NO_PROXY)
                .connectTimeout(settings.connectTimeout())
                .executor(threads)
                .build();
        sweeper.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
        if (ForkJoinPool.getCommonPoolParallelism() < 2) {
            LOG.log(System.Logger.Level.WARNING, "the common ForkJoinPool has parallelism {0}: the JDK HTTP client "
                    + "(the WebSocket relay) then starts a thread per completion. Start the JVM with "
                    + "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2", ForkJoinPool.getCommonPoolParallelism());
        }
    }

    /**
     * A request to {@code target}: HTTP/1.1, and no idle timeout of Jetty's during the exchange, since the gateway
     * bounds each phase itself (response-timeout until the headers, then the sweeper's idle-timeout, which counts the
     * client's progress too); Jetty's would end a paused download or a silent event stream.
     */
    Request newRequest(URI target, String method) {
        return client.newRequest(target).method(method).version(HttpVersion.HTTP_1_1)
                .idleTimeout(0, TimeUnit.MILLISECONDS);
    }

    Scheduler scheduler() {
        return client.getScheduler();
    }

    ProxySettings settings() {
        return settings;
    }

    HeaderPolicy headerPolicy() {
        return headerPolicy;
    }

    /** The JDK client, for WebSockets only. */
    java.net.http.HttpClient webSocketClient() {
        return webSocketClient;
    }

    void register(ProxyExchange exchange) {
        open.add(exchange);
    }

    void unregister(ProxyExchange exchange) {
        open.remove(exchange);
    }

    int openExchanges() {
        return open.size();
    }

    /**
     * What to tell the client when the exchange with the sandbox failed before its answer began: the one mapping of
     * Jetty's failures to problems, for relayed and filtered exchanges alike. A failure it does not know is logged
     * by class only (a message might quote a header).
     */
    static Refusal refusalFor(Throwable failure, String requestId) {
        if (failure instanceof TimeoutException) {
            return Refusal.of(ProblemType.UPSTREAM_TIMEOUT, "The sandbox did not answer in time.");
        }
        if (failure instanceof ConnectException || failure instanceof SocketTimeoutException) {
            // Jetty's client fails a connect that timed out with a SocketTimeoutException.
            return Refusal.of(ProblemType.UPSTREAM_UNREACHABLE, "The sandbox could not be reached.");
        }
        LOG.log(System.Logger.Level.WARNING, "request {0}: the sandbox exchange failed ({1})", requestId,
                failure.getClass().getName());
        return Refusal.of(ProblemType.UPSTREAM_UNREACHABLE, "The connection to the sandbox failed.");
    }

    private void sweep() {
        long now = System.nanoTime();
        for (ProxyExchange exchange : open) {
            exchange.checkIdle(now);
        }
    }

    /**
     * Stops the sweeper, Jetty's client (its connections and threads) and the WebSocket client: on Java 21 and later
     * with its own {@code close()}; the Java 17 client has none, and its connections close when it is collected.
     */
    @Override
    public void close() {
        sweeper.shutdownNow();
        try {
            client.stop();
            threads.stop();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "stopping the HTTP client failed with {0}", e.getClass().getName());
        }
        if ((Object) webSocketClient instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "closing the WebSocket client failed with {0}",
                        e.getClass().getName());
            }
        }
    }
}
