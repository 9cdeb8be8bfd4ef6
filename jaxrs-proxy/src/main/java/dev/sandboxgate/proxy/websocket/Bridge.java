package dev.sandboxgate.proxy.websocket;

import dev.sandboxgate.filter.ExchangeOutcome;
import dev.sandboxgate.filter.GateExchange;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One caller's WebSocket joined to one WebSocket to the sandbox. Two halves, each with its own flow control:
 * <ul>
 *   <li><b>sandbox → caller</b>: the JDK client delivers a message (possibly in parts) only when asked; the bridge
 *       asks for the next one when the container has written the previous one to the caller. Parts are joined into
 *       the whole message (at most {@code maxMessage}) because Jakarta WebSocket has no asynchronous partial send.
 *   <li><b>caller → sandbox</b>: parts are forwarded as they come, in order, one send outstanding at a time; past
 *       {@link #TO_SANDBOX_WINDOW} bytes not yet taken by the sandbox, the container's thread waits in the message
 *       handler, so the container reads nothing more from the caller until the sandbox catches up.
 * </ul>
 * Whichever side closes first, the other is closed with the same code and reason: at once when it closed cleanly,
 * abruptly when it broke off.
 */
final class Bridge {
    private static final System.Logger LOG = System.getLogger(Bridge.class.getName());
    /** Bytes from the caller that may be on their way to the sandbox before the caller is no longer read. */
    static final long TO_SANDBOX_WINDOW = 64 * 1024;
    /** How long the sandbox has to answer a close before its connection is dropped. */
    static final Duration CLOSE_GRACE = Duration.ofMillis(500);
    /** How long after a container's onError the bridge waits for its onClose. */
    private static final Duration ERROR_GRACE = Duration.ofMillis(200);
    private static final int ABNORMAL = 1006;

    private final WebSocketProxy proxy;
    private final GateExchange gate;
    private final String requestId;
    private final long started = System.nanoTime();
    private final BrowserSide browserSide = new BrowserSide(this);
    private final UpstreamSide upstreamSide = new UpstreamSide();
    private volatile Session browser;
    private volatile CloseReason closeBeforeOpen;
    private volatile WebSocket upstream;

    private final ConcurrentLinkedQueue<ToSandbox> toSandbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean sending = new AtomicBoolean();
    private final Object window = new Object();
    private long inFlight; // guarded by window

    private final AtomicBoolean browserDone = new AtomicBoolean();
    private final AtomicBoolean upstreamDone = new AtomicBoolean();
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile String closedBy;
    private volatile int closeCode = ABNORMAL;

    private final AtomicLong messagesToSandbox = new AtomicLong();
    private final AtomicLong bytesToSandbox = new AtomicLong();
    private final AtomicLong messagesToCaller = new AtomicLong();
    private final AtomicLong bytesToCaller = new AtomicLong();

    Bridge(WebSocketProxy proxy, GateExchange gate) {
        this.proxy = proxy;
        this.gate = gate;
        this.requestId = gate.requestId();
    }

    WebSocket.Listener upstreamListener() {
        return upstreamSide;
    }

    Endpoint browserSide() {
        return browserSide;
    }

    /** A message part from the caller, or the close that follows the last one. */
    private record ToSandbox(String text, ByteBuffer binary, boolean last, int closeCode, String reason, long size) {
        static ToSandbox text(String part, boolean last) {
            return new ToSandbox(part, null, last, 0, null, part.length());
        }

        static ToSandbox binary(ByteBuffer part, boolean last) {
            return new ToSandbox(null, part, last, 0, null, part.remaining()); // sending consumes the buffer
        }

        static ToSandbox close(int code, String reason) {
            return new ToSandbox(null, null, true, code, reason, 0);
        }

        CompletableFuture<WebSocket> sendTo(WebSocket upstream) {
            if (text != null) {
                return upstream.sendText(text, last);
            }
            if (binary != null) {
                return upstream.sendBinary(binary, last);
            }
            return upstream.sendClose(closeCode, reason);
        }
    }

    // ---- the caller's side (the container's Jakarta WebSocket) ----

    /**
     * The endpoint the container runs for this connection (public and static, as containers expect of endpoint
     * classes; the instance comes from {@link ContainerUpgrade}'s configurator).
     */
    public static final class BrowserSide extends Endpoint {
        private final Bridge bridge;

        BrowserSide(Bridge bridge) {
            this.bridge = bridge;
        }

        @Override
        public void onOpen(Session session, EndpointConfig config) {
            bridge.browserOpened(session);
        }

        @Override
        public void onClose(Session session, CloseReason reason) {
            bridge.browserClosed(reason.getCloseCode().getCode(), reason.getReasonPhrase());
        }

        @Override
        public void onError(Session session, Throwable failure) {
            LOG.log(Level.DEBUG, "request {0}: the caller''s WebSocket failed ({1})", bridge.requestId,
                    failure.getClass().getName());
            // Containers follow an error with onClose and its code (an idle timeout is 1001, not a break-off):
            // only if none comes is the caller's side taken as broken off.
            bridge.proxy.later(ERROR_GRACE, () -> {
                if (!session.isOpen()) {
                    bridge.browserClosed(ABNORMAL, "");
                }
            });
        }
    }

    private void browserOpened(Session session) {
        browser = session;
        session.setMaxIdleTimeout(proxy.idleTimeout().toMillis()); // zero: none
        session.addMessageHandler(String.class, (MessageHandler.Partial<String>) (part, last) -> {
            bytesToSandbox.addAndGet(Utf8.length(part));
            forward(ToSandbox.text(part, last), last);
        });
        session.addMessageHandler(ByteBuffer.class, (MessageHandler.Partial<ByteBuffer>) (part, last) -> {
            ByteBuffer copy = ByteBuffer.allocate(part.remaining()).put(part).flip(); // the container reuses its buffer
            bytesToSandbox.addAndGet(copy.remaining());
            forward(ToSandbox.binary(copy, last), last);
        });
        proxy.opened(this);
        upstream.request(1);
        CloseReason early = closeBeforeOpen;
        if (early != null) {
            closeBrowser(early.getCloseCode().getCode(), early.getReasonPhrase()); // the sandbox left first
        }
    }

    /** The sandbox's side never met the caller's: the container did not open it (the caller left at the 101). */
    void abandonIfNeverOpened() {
        if (browser == null && !browserDone.get()) {
            browserClosed(ABNORMAL, "");
        }
    }

    /** Queues a part for the sandbox and holds the caller's thread while the sandbox is behind. */
    private void forward(ToSandbox part, boolean last) {
        if (last) {
            messagesToSandbox.incrementAndGet();
        }
        synchronized (window) {
            inFlight += part.size();
        }
        toSandbox.add(part);
        drain();
        synchronized (window) {
            while (inFlight > TO_SANDBOX_WINDOW && !upstreamDone.get()) {
                try {
                    window.wait(1_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Sends queued parts one at a time, in order; loops instead of recursing when sends complete at once. */
    private void drain() {
        while (sending.compareAndSet(false, true)) {
            ToSandbox next = toSandbox.poll();
            if (next == null) {
                sending.set(false);
                if (toSandbox.isEmpty()) {
                    return;
                }
                continue;
            }
            CompletableFuture<WebSocket> sent;
            try {
                sent = next.sendTo(upstream);
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            if (!sent.isDone()) {
                sent.whenComplete((ws, failure) -> {
                    sentToSandbox(next, failure);
                    sending.set(false);
                    drain();
                });
                return;
            }
            sentToSandbox(next, sent.isCompletedExceptionally() ? failureOf(sent) : null);
            sending.set(false);
        }
    }

    private void sentToSandbox(ToSandbox part, Throwable failure) {
        synchronized (window) {
            inFlight -= part.size();
            window.notifyAll();
        }
        if (failure != null && part.text() == null && part.binary() == null) {
            upstream.abort(); // the close could not be sent: drop the connection instead
            upstreamFinished();
        } else if (failure != null) {
            upstreamBroke(failure);
        }
    }

    private static Throwable failureOf(CompletableFuture<?> future) {
        try {
            future.join();
            return null;
        } catch (RuntimeException e) {
            return e.getCause() != null ? e.getCause() : e;
        }
    }

    private void browserClosed(int code, String reason) {
        if (!browserDone.compareAndSet(false, true)) {
            return;
        }
        firstToClose("caller", code);
        if (upstreamDone.get()) {
            end();
            return;
        }
        if (code == ABNORMAL) {
            upstream.abort(); // the caller broke off: so does the gateway
            upstreamFinished();
            return;
        }
        toSandbox.add(ToSandbox.close(CloseCodes.toSandbox(code), CloseCodes.reason(reason)));
        drain();
        proxy.later(CLOSE_GRACE, () -> {
            if (!upstreamDone.get()) {
                upstream.abort();
                upstreamFinished();
            }
        });
    }

    // ---- the sandbox's side (the JDK client) ----

    private final class UpstreamSide implements WebSocket.Listener {
        /** The parts of a message the caller has not been sent yet; only touched in (sequential) listener calls. */
        private StringBuilder textParts;
        private byte[] binaryParts;
        private int binaryLength;

        @Override
        public void onOpen(WebSocket webSocket) {
            upstream = webSocket;
            // No request(1) yet: the first message is asked for once the caller's side is open.
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            if (textParts == null && last) {
                toCaller(data.toString());
                return null;
            }
            if (textParts == null) {
                textParts = new StringBuilder();
            }
            textParts.append(data);
            if (textParts.length() > proxy.maxMessage()) {
                textParts = null;
                tooBig();
            } else if (last) {
                String whole = textParts.toString();
                textParts = null;
                toCaller(whole);
            } else {
                webSocket.request(1);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            if (binaryParts == null && last) {
                byte[] whole = new byte[data.remaining()];
                data.get(whole);
                toCaller(ByteBuffer.wrap(whole));
                return null;
            }
            if (binaryLength + (long) data.remaining() > proxy.maxMessage()) {
                binaryParts = null;
                binaryLength = 0;
                tooBig();
                return null;
            }
            if (binaryParts == null) {
                binaryParts = new byte[Math.max(data.remaining() * 2, 8192)];
            } else if (binaryParts.length < binaryLength + data.remaining()) {
                binaryParts = Arrays.copyOf(binaryParts, Math.max(binaryParts.length * 2, binaryLength + data.remaining()));
            }
            int n = data.remaining();
            data.get(binaryParts, binaryLength, n);
            binaryLength += n;
            if (last) {
                ByteBuffer whole = ByteBuffer.wrap(binaryParts, 0, binaryLength);
                binaryParts = null;
                binaryLength = 0;
                toCaller(whole);
            } else {
                webSocket.request(1);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            webSocket.request(1); // the JDK client answers with a pong itself
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            if (statusCode == ABNORMAL) {
                upstreamBroke(new java.io.EOFException()); // the JDK reports a connection lost without a close so
            } else {
                upstreamClosed(statusCode, reason);
            }
            return null; // the JDK client answers the close at once
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            upstreamBroke(error);
        }
    }

    private void toCaller(String text) {
        messagesToCaller.incrementAndGet();
        bytesToCaller.addAndGet(Utf8.length(text));
        try {
            browser.getAsyncRemote().sendText(text, result -> sentToCaller(result.isOK(), result.getException()));
        } catch (RuntimeException e) {
            sentToCaller(false, e);
        }
    }

    private void toCaller(ByteBuffer binary) {
        messagesToCaller.incrementAndGet();
        bytesToCaller.addAndGet(binary.remaining());
        try {
            browser.getAsyncRemote().sendBinary(binary, result -> sentToCaller(result.isOK(), result.getException()));
        } catch (RuntimeException e) {
            sentToCaller(false, e);
        }
    }

    private void sentToCaller(boolean ok, Throwable failure) {
        if (ok) {
            upstream.request(1); // only now: a slow caller slows the sandbox, it does not fill the gateway's heap
            return;
        }
        LOG.log(Level.DEBUG, "request {0}: writing to the caller failed ({1})", requestId,
                failure == null ? "closed" : failure.getClass().getName());
        // The container reports the caller's side through onClose/onError; if it already did, nothing is left to do.
    }

    /** A message from the sandbox too large to relay whole: the caller gets 1009, the sandbox's side is dropped. */
    private void tooBig() {
        firstToClose("gateway", 1009);
        if (upstreamDone.compareAndSet(false, true)) {
            wakeWaiters();
            upstream.abort();
        }
        closeBrowser(1009, "Message from the sandbox over " + proxy.maxMessage() + " bytes");
        if (browserDone.get()) {
            end();
        }
    }

    private void upstreamClosed(int code, String reason) {
        if (!upstreamDone.compareAndSet(false, true)) {
            return;
        }
        firstToClose("sandbox", code);
        wakeWaiters();
        if (browserDone.get()) {
            end();
            return;
        }
        closeBrowser(code, reason);
    }

    private void upstreamBroke(Throwable failure) {
        if (!upstreamDone.compareAndSet(false, true)) {
            return;
        }
        LOG.log(Level.DEBUG, "request {0}: the sandbox''s WebSocket broke off ({1})", requestId,
                failure.getClass().getName());
        firstToClose("sandbox", ABNORMAL);
        wakeWaiters();
        upstream.abort();
        if (browserDone.get()) {
            end();
            return;
        }
        closeBrowser(1011, CloseCodes.BROKE_OFF);
    }

    /** The sandbox's side is over (closed or dropped by the gateway). */
    private void upstreamFinished() {
        if (upstreamDone.compareAndSet(false, true)) {
            wakeWaiters();
        }
        if (browserDone.get()) {
            end();
        }
    }

    private void closeBrowser(int code, String reason) {
        Session session = browser;
        if (session == null) {
            closeBeforeOpen = CloseCodes.toCaller(code, reason); // closed as soon as the container opens it
            return;
        }
        if (!session.isOpen()) {
            return;
        }
        try {
            session.close(CloseCodes.toCaller(code, reason));
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "request {0}: closing the caller''s WebSocket failed ({1})", requestId,
                    e.getClass().getName());
        }
    }

    private void wakeWaiters() {
        synchronized (window) {
            window.notifyAll();
        }
    }

    private synchronized void firstToClose(String side, int code) {
        if (closedBy == null) {
            closedBy = side;
            closeCode = code;
        }
    }

    private ExchangeOutcome.EndedBy endedBy() {
        String side = closedBy;
        if ("caller".equals(side)) {
            return ExchangeOutcome.EndedBy.CLIENT;
        }
        if ("sandbox".equals(side)) {
            return closeCode == ABNORMAL ? ExchangeOutcome.EndedBy.ERROR : ExchangeOutcome.EndedBy.UPSTREAM;
        }
        return ExchangeOutcome.EndedBy.GATEWAY;
    }

    /** Closes both sides (going away): the gateway is shutting down. */
    void shutDown() {
        firstToClose("gateway", 1001);
        closeBrowser(1001, "The gateway is shutting down");
        WebSocket u = upstream;
        if (u != null) {
            u.abort();
        }
        upstreamFinished();
    }

    private void end() {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        proxy.ended(this);
        gate.webSocketEnded(closeCode, messagesToSandbox.get(), messagesToCaller.get());
        gate.end(101, bytesToSandbox.get(), bytesToCaller.get(), endedBy());
        long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
        LOG.log(Level.DEBUG, "request {0}: WebSocket ended after {1} ms, closed by the {2} with {3}; to the sandbox "
                        + "{4} messages, {5} bytes; to the caller {6} messages, {7} bytes", requestId, millis,
                closedBy, closeCode, messagesToSandbox.get(), bytesToSandbox.get(), messagesToCaller.get(),
                bytesToCaller.get());
    }
}
