package dev.sandboxgate.proxy;

import dev.sandboxgate.filter.ProblemType;
import dev.sandboxgate.filter.Refusal;
import dev.sandboxgate.filter.authz.RequestBodyInspector;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.util.Callback;

/**
 * Streams the client's request body to the upstream request as the container delivers it: Servlet non-blocking reads
 * feed Jetty's {@link AsyncRequestContent} one chunk at a time, and the next chunk is read only once the HTTP client
 * has written the previous one to the sandbox (back-pressure both ways), so no thread waits on a slow upload and the
 * body is never held in memory. A body that grows past the limit fails the upstream request, which the exchange
 * answers with 413.
 *
 * <p>With a {@link RequestBodyInspector} (an upload's archive), every chunk is inspected before it is relayed, and the
 * last chunk read is held back until the next one has passed, or, at the end, until the inspector has judged the whole
 * body: a refused body aborts the upstream request, so the sandbox never receives the end of it (it unpacks only a
 * whole body).
 */
final class RequestBodyRelay implements ReadListener {
    /**
     * The most relayed as one chunk. The container delivers a body in reads of its input buffer (8 KiB on Jetty);
     * relaying each as it comes made eight upstream writes of a 64 KiB upload, so reads are gathered up to this size.
     */
    private static final int MAX_CHUNK = 64 * 1024;
    /** The chunk size when the body's length is not declared. */
    private static final int UNKNOWN_LENGTH_CHUNK = 16 * 1024;

    private final ServletInputStream in;
    private final long maxBytes;
    private final long declaredLength;
    private final RequestBodyInspector inspector;
    private final Consumer<Refusal> onRefused;
    private final AsyncRequestContent content;
    private final AtomicInteger wip = new AtomicInteger();
    private final Callback written = Callback.from(this::chunkWritten, this::fail);
    private volatile boolean writing;
    private volatile boolean allRead;
    private volatile Throwable readFailure;
    private volatile boolean done;
    private volatile long total;
    /** Inspected, not yet relayed: with an inspector, the latest chunk waits for the verdict on what follows it. */
    private ByteBuffer held;
    private boolean judged;
    private boolean endOfBody; // only the one draining thread reads and writes it

    /**
     * @param inspector null, or what judges the body as it passes
     * @param onRefused told why, before the upstream request fails, when the body is too large or refused
     */
    RequestBodyRelay(ServletInputStream in, long maxBytes, long declaredLength, RequestBodyInspector inspector,
                     Consumer<Refusal> onRefused) {
        this.in = in;
        this.maxBytes = maxBytes;
        this.declaredLength = declaredLength;
        this.inspector = inspector;
        this.onRefused = onRefused;
        this.content = new AsyncRequestContent() {
            @Override
            public long getLength() {
                return declaredLength; // sent as Content-Length; -1: chunked
            }
        };
    }

    /** What the upstream request sends. */
    Request.Content content() {
        return content;
    }

    /** Starts reading from the client; the container may call back at once. */
    void start() {
        in.setReadListener(this);
    }

    /** Stops relaying: the upstream request is failing or done. */
    void cancel() {
        done = true;
    }

    @Override
    public void onDataAvailable() {
        pump();
    }

    @Override
    public void onAllDataRead() {
        allRead = true;
        pump();
    }

    @Override
    public void onError(Throwable t) {
        readFailure = t;
        pump();
    }

    private void chunkWritten() {
        writing = false;
        pump();
    }

    /** Moves data from the container to the upstream request while both are ready; one thread at a time. */
    private void pump() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        do {
            try {
                transfer();
            } catch (IOException | RuntimeException e) {
                fail(e);
            }
        } while (wip.decrementAndGet() != 0);
    }

    private void transfer() throws IOException {
        if (done) {
            return;
        }
        if (readFailure != null) {
            fail(readFailure);
            return;
        }
        while (!writing && !done) {
            // Readiness first: Grizzly (Payara, GlassFish) reports all data read, and finished, as soon as the body
            // has arrived, while bytes still wait in its buffer; isReady() is true as long as there are any.
            if (!endOfBody && !in.isReady()) {
                if (!allRead && !in.isFinished()) {
                    return; // the container calls onDataAvailable() when more arrives
                }
                endOfBody = true;
            }
            if (endOfBody) {
                if (!judged && inspector != null) {
                    judged = true;
                    Refusal refusal = inspector.finish();
                    if (refusal != null) {
                        refuse(refusal);
                        return;
                    }
                }
                if (held != null) {
                    ByteBuffer last = held;
                    held = null;
                    relay(last);
                    continue;
                }
                done = true;
                content.close();
                return;
            }
            byte[] chunk = new byte[chunkSize()];
            int n = gather(chunk);
            if (n < 0) {
                endOfBody = true;
                continue;
            }
            if (n == 0) {
                continue;
            }
            total = total + n; // only the one draining thread adds
            if (total > maxBytes) {
                refuse(Refusal.of(ProblemType.PAYLOAD_TOO_LARGE, "The request body exceeds the gateway's limit of "
                        + maxBytes + " bytes."));
                return;
            }
            ByteBuffer read = ByteBuffer.wrap(chunk, 0, n);
            if (inspector == null) {
                relay(read);
                continue;
            }
            Refusal refusal = inspector.inspect(read.asReadOnlyBuffer());
            if (refusal != null) {
                refuse(refusal);
                return;
            }
            ByteBuffer previous = held;
            held = read;
            if (previous != null) {
                relay(previous);
            }
        }
    }

    /**
     * Reads what the container has ready into {@code chunk}, up to its size: -1 at the end of the body with nothing
     * read. Called when the stream is ready; reads again only while it stays ready (never blocks).
     */
    private int gather(byte[] chunk) throws IOException {
        int filled = 0;
        do {
            int n = in.read(chunk, filled, chunk.length - filled);
            if (n < 0) {
                return filled == 0 ? -1 : filled; // the end: the next round sees the stream finished
            }
            filled += n;
        } while (filled < chunk.length && in.isReady()); // not isFinished(): see the readiness note above
        return filled;
    }

    private int chunkSize() {
        if (declaredLength < 0) {
            return UNKNOWN_LENGTH_CHUNK;
        }
        // One byte at least past the declared end, so that a body longer than declared is still seen.
        return (int) Math.min(MAX_CHUNK, Math.max(1, declaredLength - total + 1));
    }

    /** Hands one chunk to the HTTP client; the next is read once it has been written upstream. */
    private void relay(ByteBuffer chunk) {
        writing = true;
        content.write(chunk, written);
    }

    private void refuse(Refusal refusal) {
        held = null;
        onRefused.accept(refusal);
        fail(new IOException("request body refused: " + refusal.type().uri()));
    }

    private void fail(Throwable t) {
        if (done) {
            return;
        }
        done = true;
        content.fail(t);
    }

    /** Body bytes read from the client so far. */
    long bytesRead() {
        return total;
    }
}
