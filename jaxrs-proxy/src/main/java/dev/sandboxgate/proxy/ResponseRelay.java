package dev.sandboxgate.proxy;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.io.Content;

/**
 * Copies the sandbox's response body to the client as it arrives, with Servlet non-blocking writes: no thread waits
 * for a slow client. The body is read from Jetty's {@link Content.Source} on demand. Two flow-control regimes:
 * <ul>
 *   <li>ordinary bodies: at most {@code window} bytes are held; beyond that the upstream is not read (TCP
 *       back-pressure), so a 1 GiB download streams through a small heap;
 *   <li>{@code text/event-stream}: the upstream is always read at once (Sandbox Agent drops events for subscribers
 *       that fall behind), each event is flushed as it arrives, and a client so slow that more than {@code window}
 *       bytes pile up has its response ended (a client that reads nothing at all sees its connection dropped); the
 *       SDK then resumes with {@code Last-Event-ID}.
 * </ul>
 * A chunk is released only once the container has finished writing it ({@code isReady()} is true again), or when the
 * relay closes: the chunk's bytes are the HTTP client's network buffer, which it reads the next bytes into once
 * released, and a container writing asynchronously (Jetty) still reads from the array it was given. Only the thread
 * that writes releases chunks.
 */
final class ResponseRelay implements Runnable {
    private final ProxyExchange exchange;
    private final ServletOutputStream out;
    private final boolean eventStream;
    private final long window;
    private final Queue<Content.Chunk> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicInteger wip = new AtomicInteger();
    private final AtomicBoolean paused = new AtomicBoolean();
    private volatile Content.Source source;
    private volatile boolean upstreamDone;
    private volatile boolean closed;
    private volatile long bytesWritten;
    private boolean flushPending;
    /** Written, maybe still being written by the container; released once {@code isReady()} says it is done. */
    private Content.Chunk inFlight;

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

    /** Starts writing to the client (the headers at least); called once the response headers are set. */
    void open() {
        out.setWriteListener(new ClientWrites());
    }

    // ---- upstream side (HTTP client threads) ----

    /** The body arrives: read it as the regime allows. */
    void read(Content.Source body) {
        source = body;
        if (closed) {
            body.fail(new IOException("the exchange ended"));
            return;
        }
        run();
    }

    /** Reads what the source has; demands more, or pauses when the window is full. Jetty's demand callback. */
    @Override
    public void run() {
        Content.Source s = source;
        while (!closed) {
            if (!eventStream && queuedBytes.get() >= window) {
                paused.set(true);
                // The writer may have drained the queue between the check and the flag: then resume here.
                if (queuedBytes.get() < window && paused.compareAndSet(true, false)) {
                    continue;
                }
                return;
            }
            Content.Chunk chunk = s.read();
            if (chunk == null) {
                s.demand(this);
                return;
            }
            if (Content.Chunk.isFailure(chunk)) {
                exchange.upstreamFailedMidResponse(chunk.getFailure());
                return;
            }
            boolean last = chunk.isLast();
            if (chunk.hasRemaining()) {
                queue.add(chunk);
                long queued = queuedBytes.addAndGet(chunk.remaining());
                exchange.touch();
                if (eventStream && queued > window) {
                    exchange.clientTooSlow();
                    return;
                }
            } else {
                chunk.release();
            }
            if (last) {
                upstreamDone();
                return;
            }
            drain();
        }
    }

    /** The whole body has arrived (or there was none): end the client's response once it has all of it. */
    void upstreamDone() {
        upstreamDone = true;
        drain();
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

    /** Stops relaying: no more writes, and the upstream body is failed (closing that connection). */
    void close() {
        closed = true;
        Content.Source s = source;
        if (s != null && !upstreamDone) {
            s.fail(new IOException("the exchange ended"));
        }
        drain(); // releases what is queued, on the one writing thread
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
            }
            if (closed) {
                releaseQueued();
            }
        } while (wip.decrementAndGet() != 0);
    }

    private void writeWhileReady() throws IOException {
        Content.Chunk chunk;
        while (!closed && (chunk = queue.peek()) != null) {
            if (!out.isReady()) {
                return; // the container calls onWritePossible() when the client has taken what was written
            }
            releaseInFlight();
            int length = chunk.remaining();
            write(chunk.getByteBuffer());
            queue.poll();
            inFlight = chunk;
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
            releaseInFlight();
            flushPending = false;
            out.flush();
        }
        if (upstreamDone && queue.isEmpty() && out.isReady()) {
            releaseInFlight();
            closed = true;
            exchange.relayFinished();
        }
    }

    private void releaseInFlight() {
        Content.Chunk chunk = inFlight;
        if (chunk != null) {
            inFlight = null;
            chunk.release();
        }
    }

    /**
     * On close: the upstream request is aborted (its connection, and so its buffer, is not reused), so even a chunk a
     * container may still be writing can go.
     */
    private void releaseQueued() {
        releaseInFlight();
        Content.Chunk chunk;
        while ((chunk = queue.poll()) != null) {
            queuedBytes.addAndGet(-chunk.remaining());
            chunk.release();
        }
    }

    private void write(ByteBuffer buffer) throws IOException {
        if (buffer.hasArray()) {
            out.write(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
        } else {
            byte[] copy = new byte[buffer.remaining()];
            buffer.slice().get(copy);
            out.write(copy);
        }
    }

    private void resumeIfDrained() {
        if (queuedBytes.get() < window && paused.compareAndSet(true, false)) {
            Content.Source s = source;
            if (s != null) {
                s.demand(this); // may read at once, on this thread: its writes then wait for this loop (wip)
            }
        }
    }
}
