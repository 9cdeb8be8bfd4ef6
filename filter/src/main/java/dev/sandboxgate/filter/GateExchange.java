package dev.sandboxgate.filter;

import jakarta.servlet.http.HttpServletRequest;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One request on its way through the chain and the relay: what the stages have established about it, and its end.
 * Stages run on the request thread; the end is reported by whichever thread sees it (see {@link #end}), so the facts
 * a stage records are volatile and the end callbacks run exactly once.
 *
 * <p>The relay (the proxy servlet, the WebSocket bridge) finds the exchange with
 * {@link GateAttributes#exchange(jakarta.servlet.ServletRequest)}. A relay that ends the exchange later than its
 * {@code service} call (async or upgraded) calls {@link #relayOwnsEnd()} first and {@link #end} when it is over;
 * otherwise the filter ends it when the chain returns, with the response's status.
 */
public final class GateExchange {
    private static final System.Logger LOG = System.getLogger(GateExchange.class.getName());

    private final HttpServletRequest request;
    private final String requestId;
    private final TraceContext trace;
    private final long startNanos = System.nanoTime();
    private final List<Consumer<ExchangeOutcome>> endCallbacks = new ArrayList<>(2);
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile String clientIp;
    private volatile SandboxPrincipal principal;
    private volatile String workspace;
    private volatile String operation;
    private volatile String session;
    private volatile String rpcMethod;
    private volatile String sandboxId;
    private volatile boolean relayOwnsEnd;
    private volatile long[] webSocket; // close code, messages in, messages out: one write, read as a whole
    private volatile long forwardedNanos;
    private volatile long upstreamSentNanos;
    private volatile long upstreamAnsweredNanos;
    private volatile Consumer<Drain.Phase> drainHandler;
    private Map<String, String> responseHeaders = Map.of();

    GateExchange(HttpServletRequest request, String requestId, TraceContext trace) {
        this.request = request;
        this.requestId = requestId;
        this.trace = trace;
        this.clientIp = request.getRemoteAddr();
    }

    public HttpServletRequest request() {
        return request;
    }

    public String requestId() {
        return requestId;
    }

    /** The W3C trace this request belongs to (the caller's, or one the gateway started). */
    public TraceContext trace() {
        return trace;
    }

    /** The trace id (32 hex digits), shown next to the request id in problems and audit records. */
    public String traceId() {
        return trace.traceId();
    }

    /** {@link System#nanoTime()} when the filter first saw the request. */
    public long startNanos() {
        return startNanos;
    }

    /** The caller's address: the socket's peer unless a stage resolved it through trusted proxies. */
    public String clientIp() {
        return clientIp;
    }

    public void clientIp(String clientIp) {
        this.clientIp = clientIp;
    }

    /** The authenticated caller, or null before the authentication stage has run (or when it refused). */
    public SandboxPrincipal principal() {
        return principal;
    }

    void authenticated(SandboxPrincipal principal) {
        this.principal = principal;
    }

    // ---- facts the stages and the relay record, for the audit trail and metrics; null until known ----

    public String workspace() {
        return workspace;
    }

    public String operation() {
        return operation;
    }

    /** The ACP server id ({@code server_id}) the request addresses, as the sandbox decodes it. */
    public String session() {
        return session;
    }

    /** The JSON-RPC method of an ACP POST. */
    public String rpcMethod() {
        return rpcMethod;
    }

    public String sandboxId() {
        return sandboxId;
    }

    public void classified(String workspace, String operation) {
        this.workspace = workspace;
        this.operation = operation;
    }

    public void session(String session, String rpcMethod) {
        this.session = session;
        this.rpcMethod = rpcMethod;
    }

    /**
     * For a relayed WebSocket, set just before {@link #end}: the close code that ended it (the first side's; 1006
     * when a side broke off without a close) and the messages relayed each way ({@link ExchangeOutcome}'s bytes are
     * the payload bytes each way).
     */
    public void webSocketEnded(int closeCode, long messagesIn, long messagesOut) {
        this.webSocket = new long[] {closeCode, messagesIn, messagesOut};
    }

    /** Whether this exchange was a relayed WebSocket that has ended ({@link #webSocketEnded} was called). */
    public boolean wasWebSocket() {
        return webSocket != null;
    }

    /** The close code of a relayed WebSocket, or -1. */
    public int closeCode() {
        long[] ws = webSocket;
        return ws == null ? -1 : (int) ws[0];
    }

    /** Messages relayed from the caller to the sandbox on a WebSocket, or -1. */
    public long messagesIn() {
        long[] ws = webSocket;
        return ws == null ? -1 : ws[1];
    }

    /** Messages relayed from the sandbox to the caller on a WebSocket, or -1. */
    public long messagesOut() {
        long[] ws = webSocket;
        return ws == null ? -1 : ws[2];
    }

    public void routedTo(String sandboxId) {
        this.sandboxId = sandboxId;
    }

    // ---- timings, for the metrics: what the gateway adds versus what the sandbox takes; 0 until known ----

    void forwarded() {
        forwardedNanos = System.nanoTime();
    }

    /** {@link System#nanoTime()} when the stages had let the request through, or 0. */
    public long forwardedNanos() {
        return forwardedNanos;
    }

    /** The relay calls this when it hands the request to the sandbox. */
    public void upstreamSent() {
        upstreamSentNanos = System.nanoTime();
    }

    public long upstreamSentNanos() {
        return upstreamSentNanos;
    }

    /** The relay calls this when the sandbox's response headers arrive. */
    public void upstreamAnswered() {
        upstreamAnsweredNanos = System.nanoTime();
    }

    public long upstreamAnsweredNanos() {
        return upstreamAnsweredNanos;
    }

    // ---- shutdown ----

    /**
     * How the relay ends this exchange when the gateway shuts down (see {@link Drain}): told {@code STREAMS_END} at
     * once (an event stream ends cleanly there) and {@code GRACE_EXPIRED} if it is still open when the grace period
     * is over. Without a handler the exchange simply runs to its end.
     */
    public void onDrain(Consumer<Drain.Phase> handler) {
        this.drainHandler = handler;
    }

    void drain(Drain.Phase phase) {
        Consumer<Drain.Phase> handler = drainHandler;
        if (handler != null && !hasEnded()) {
            try {
                handler.accept(phase);
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "request {0}: draining failed with {1}", requestId, e.getClass().getName());
            }
        }
    }

    /**
     * A header for the response of a forwarded request (such as the {@code RateLimit} state), set before the relay
     * copies the sandbox's headers. For stages, on the request thread.
     */
    public void responseHeader(String name, String value) {
        if (responseHeaders.isEmpty()) {
            responseHeaders = new LinkedHashMap<>(4);
        }
        responseHeaders.put(name, value);
    }

    Map<String, String> responseHeaders() {
        return responseHeaders;
    }

    // ---- the end ----

    /**
     * Runs {@code callback} once with the outcome when the exchange ends, whether it was refused or forwarded: a
     * stage that holds something for the request's lifetime (a stream slot) releases it here. Register on the request
     * thread, before the request is forwarded.
     */
    public void onEnd(Consumer<ExchangeOutcome> callback) {
        endCallbacks.add(callback);
    }

    /** The relay will call {@link #end} itself, after its {@code service} call has returned. */
    public void relayOwnsEnd() {
        relayOwnsEnd = true;
    }

    boolean relayOwnsEndCalled() {
        return relayOwnsEnd;
    }

    /** Reports the end; the first call wins, later ones are ignored. */
    public void end(int status, long bytesIn, long bytesOut, ExchangeOutcome.EndedBy endedBy) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        ExchangeOutcome outcome = new ExchangeOutcome(status, bytesIn, bytesOut, endedBy,
                System.nanoTime() - startNanos);
        for (Consumer<ExchangeOutcome> callback : endCallbacks) {
            try {
                callback.accept(outcome);
            } catch (RuntimeException e) {
                // One failing callback must not keep the others (releasing a slot, writing the record) from running.
                LOG.log(Level.ERROR, "request {0}: an end callback failed with {1}", requestId,
                        e.getClass().getName());
            }
        }
    }

    public boolean hasEnded() {
        return ended.get();
    }
}
