package dev.sandboxgate.proxy;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Streams the client's request body to the upstream request as the container delivers it: Servlet non-blocking reads
 * driven by the HTTP client's demand, so no thread waits on a slow upload and the body is never held in memory.
 * A body that grows past the limit fails the upstream request, which the exchange answers with 413.
 */
final class RequestBodyPublisher implements Flow.Publisher<ByteBuffer>, Flow.Subscription, ReadListener {
    private static final int READ_SIZE = 16 * 1024;

    private final ServletInputStream in;
    private final long maxBytes;
    private final Runnable onTooLarge;
    private final AtomicLong demand = new AtomicLong();
    private final AtomicInteger wip = new AtomicInteger();
    private volatile Flow.Subscriber<? super ByteBuffer> subscriber;
    private volatile boolean allRead;
    private volatile Throwable readFailure;
    private volatile boolean done;
    private volatile long total;

    RequestBodyPublisher(ServletInputStream in, long maxBytes, Runnable onTooLarge) {
        this.in = in;
        this.maxBytes = maxBytes;
        this.onTooLarge = onTooLarge;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> s) {
        if (subscriber != null) {
            s.onSubscribe(this);
            s.onError(new IllegalStateException("a request body can be sent only once"));
            return;
        }
        subscriber = s;
        s.onSubscribe(this);
        // Registered only now: the container may call back at once, and there must be someone to deliver to.
        in.setReadListener(this);
    }

    @Override
    public void request(long n) {
        if (n <= 0) {
            fail(new IllegalArgumentException("non-positive demand " + n));
            return;
        }
        demand.getAndAccumulate(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
        pump();
    }

    @Override
    public void cancel() {
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

    /** Moves data from the container to the subscriber while both are ready; one thread at a time. */
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
        Flow.Subscriber<? super ByteBuffer> s = subscriber;
        if (done || s == null) {
            return;
        }
        if (readFailure != null) {
            fail(readFailure);
            return;
        }
        while (demand.get() > 0) {
            if (allRead || in.isFinished()) {
                done = true;
                s.onComplete();
                return;
            }
            if (!in.isReady()) {
                return; // the container calls onDataAvailable() when more arrives
            }
            byte[] chunk = new byte[READ_SIZE];
            int n = in.read(chunk);
            if (n < 0) {
                done = true;
                s.onComplete();
                return;
            }
            if (n == 0) {
                continue;
            }
            total = total + n; // only the one draining thread adds
            if (total > maxBytes) {
                onTooLarge.run();
                fail(new IOException("request body exceeds the gateway's limit"));
                return;
            }
            demand.decrementAndGet();
            s.onNext(ByteBuffer.wrap(chunk, 0, n));
        }
    }

    private void fail(Throwable t) {
        if (done) {
            return;
        }
        done = true;
        Flow.Subscriber<? super ByteBuffer> s = subscriber;
        if (s != null) {
            s.onError(t);
        }
    }

    /** Body bytes read from the client so far. */
    long bytesRead() {
        return total;
    }
}
