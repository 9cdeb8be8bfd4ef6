package dev.sandboxgate.proxy;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The connection to one Sandbox Agent server: the JDK HTTP client (HTTP/1.1, no redirects, no proxy, no
 * decompression, an unbounded keep-alive pool), the small fixed pool of threads that deliver its callbacks, and the
 * sweeper that enforces idle timeouts on relayed bodies. Threads are few and fixed: streams cost memory, not threads.
 */
final class Upstream implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Upstream.class.getName());

    /** How much of an ordinary response body the gateway holds before it stops reading the upstream. */
    static final long RESPONSE_WINDOW = 256 * 1024;

    /** Set while a thread is inside {@link #sendAsync}. */
    private static final ThreadLocal<Boolean> SENDING = new ThreadLocal<>();

    private final ProxySettings settings;
    private final HeaderPolicy headerPolicy;
    private final ExecutorService callbacks;
    private final ScheduledExecutorService sweeper;
    private final HttpClient client;
    private final Set<ProxyExchange> open = ConcurrentHashMap.newKeySet();

    Upstream(ProxySettings settings) {
        this.settings = settings;
        this.headerPolicy = new HeaderPolicy(settings.credentialHeaders());
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        this.callbacks = Executors.newFixedThreadPool(threads, daemonThreads("sandbox-gate-upstream-"));
        this.sweeper = Executors.newSingleThreadScheduledExecutor(daemonThreads("sandbox-gate-idle-sweeper-"));
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(HttpClient.Builder.NO_PROXY)
                .connectTimeout(settings.connectTimeout())
                .executor(this::execute)
                .build();
        sweeper.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
        if (ForkJoinPool.getCommonPoolParallelism() < 2) {
            LOG.log(System.Logger.Level.WARNING, "the common ForkJoinPool has parallelism {0}: the JDK HTTP client "
                    + "then starts a thread per proxied request. Start the JVM with "
                    + "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2", ForkJoinPool.getCommonPoolParallelism());
        }
    }

    /**
     * Sends {@code request}. The client's first steps (taking a pooled connection, writing the request) run on the
     * calling thread, not as a task for the callback pool: one thread hand-off less per request. Everything the
     * client schedules later (response headers and body, demand from the client) goes through the pool as before.
     */
    <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        SENDING.set(Boolean.TRUE);
        try {
            return client.sendAsync(request, handler);
        } finally {
            SENDING.remove();
        }
    }

    private void execute(Runnable task) {
        if (SENDING.get() != null) {
            task.run();
        } else {
            callbacks.execute(task);
        }
    }

    ProxySettings settings() {
        return settings;
    }

    HeaderPolicy headerPolicy() {
        return headerPolicy;
    }

    HttpClient client() {
        return client;
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

    private void sweep() {
        long now = System.nanoTime();
        for (ProxyExchange exchange : open) {
            exchange.checkIdle(now);
        }
    }

    /**
     * Stops the sweeper and the callback threads and closes the client's pooled connections: on Java 21 and later
     * with the client's own {@code close()}; the Java 17 client has none, and its connections close when it is
     * collected.
     */
    @Override
    public void close() {
        sweeper.shutdownNow();
        callbacks.shutdownNow();
        if ((Object) client instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "closing the HTTP client failed with {0}",
                        e.getClass().getName());
            }
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
