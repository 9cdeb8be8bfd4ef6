package dev.sandboxgate.proxy;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Copies the sandbox's response body to the client as it arrives, with Servlet non-blocking writes: no thread waits
 * for a slow client. Two flow-control regimes:
 * <ul>
 *   <li>ordinary bodies: at most {@code window} bytes are held; beyond that the upstream is not read (TCP
 *       back-pressure), so a 1 GiB download streams through a small heap;
 *   <li>{@code text/event-stream}: the upstream is always read at once (Sandbox Agent drops events for subscribers
 *       that fall behind), each event is flushed as it arrives, and a client so slow that more than {@code window}
 *       bytes pile up has its response ended (a client that reads nothing at all sees its connection dropped); the
 *       SDK then resumes with {@code Last-Event-ID}.
 * </ul>
 */
final class ResponseRelay implements HttpResponse.BodySubscriber<Void> {
    private final ProxyExchange exchange;
    private final ServletOutputStream out;
    private final boolean eventStream;
    private final long window;
    private final Queue<ByteBuffer> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicInteger wip = new AtomicInteger();
    private final AtomicBoolean paused = new AtomicBoolean();
    private final CompletableFuture<Void> body = new CompletableFuture<>();
    private volatile Flow.Subscription subscription;
    private volatile boolean upstreamDone;
    private volatile boolean closed;
    private volatile long bytesWritten;
    private boolean flushPending;

    ResponseRelay(ProxyExchange exchange, ServletOutputStream out, boolean eventStream, long window) {
        this.exchange = exchange;
        this.out = out;
        this.eventStream = eventStream;
        this.window = window;
        // An event stream's headers go out at once, before the first event: clients wait for them.
        this.flushPending = eventStream;
    }

    boolean isEventStream() {
        return eventStream;
    }

    long bytesQueued() {
        return queuedBytes.get();
    }

    /** Body bytes handed to the client so far. */
    long bytesWritten() {
        return bytesWritten;
    }

    // ---- upstream side (HTTP client threads) ----

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (closed) {
            s.cancel();
            return;
        }
        out.setWriteListener(new ClientWrites());
        s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        long added = 0;
        for (ByteBuffer buffer : buffers) {
            if (buffer.hasRemaining()) {
                queue.add(buffer);
                added += buffer.remaining();
            }
        }
        long queued = queuedBytes.addAndGet(added);
        exchange.touch();
        if (eventStream && queued > window) {
            exchange.clientTooSlow();
            return;
        }
        if (eventStream || queued < window) {
            subscription.request(1);
        } else {
            paused.set(true);
            resumeIfDrained();
        }
        drain();
    }

    @Override
    public void onError(Throwable t) {
        body.completeExceptionally(t);
        exchange.upstreamFailedMidResponse(t);
    }

    @Override
    public void onComplete() {
        upstreamDone = true;
        // The client gets its last byte first: completing the body runs the HTTP client's completion chain.
        drain();
        body.complete(null);
    }

    @Override
    public CompletionStage<Void> getBody() {
        return body;
    }

    // ---- client side (container threads, or whichever thread delivered data) ----

    /** The container's side: it calls back when the client can take more, or when writing to it failed. */
    private final class ClientWrites implements WriteListener {
        @Override
        public void onWritePossible() {
            drain();
        }

        @Override
        public void onError(Throwable clientFailure) {
            exchange.clientGone();
        }
    }

    /** Stops relaying: no more writes, and the upstream body is cancelled (closing that connection). */
    void close() {
        closed = true;
        queue.clear();
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }

    /** Writes while the container can take data; one thread at a time, re-run if data or readiness arrived. */
    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        do {
            try {
                writeWhileReady();
            } catch (IOException | RuntimeException e) {
                exchange.clientGone();
                return;
            }
        } while (wip.decrementAndGet() != 0);
    }

    private void writeWhileReady() throws IOException {
        ByteBuffer buffer;
        while (!closed && (buffer = queue.peek()) != null) {
            if (!out.isReady()) {
                return; // the container calls onWritePossible() when the client has taken what was written
            }
            int length = buffer.remaining();
            write(buffer);
            queue.poll();
            queuedBytes.addAndGet(-length);
            bytesWritten += length; // only the one thread that holds wip writes
            exchange.touch();
            flushPending = true;
            resumeIfDrained();
        }
        if (closed) {
            return;
        }
        if (flushPending) {
            if (!out.isReady()) {
                return;
            }
            flushPending = false;
            out.flush();
        }
        if (upstreamDone && queue.isEmpty() && out.isReady()) {
            closed = true;
            exchange.relayFinished();
        }
    }

    private void write(ByteBuffer buffer) throws IOException {
        if (buffer.hasArray()) {
            out.write(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
        } else {
            byte[] copy = new byte[buffer.remaining()];
            buffer.get(copy);
            out.write(copy);
        }
    }

    private void resumeIfDrained() {
        if (queuedBytes.get() < window && paused.compareAndSet(true, false)) {
            subscription.request(1);
        }
    }
}
