package dev.sandboxgate.proxy;

import dev.sandboxgate.filter.Drain;
import dev.sandboxgate.filter.ExchangeOutcome.EndedBy;
import dev.sandboxgate.filter.GateExchange;
import dev.sandboxgate.filter.ProblemType;
import dev.sandboxgate.filter.Problems;
import dev.sandboxgate.filter.Refusal;
import dev.sandboxgate.filter.authz.Authorization;
import dev.sandboxgate.filter.authz.RequestBodyInspector;
import dev.sandboxgate.filter.metrics.GateMetrics;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * One request relayed to the sandbox and its response relayed back, without holding a thread: the container's async
 * mode on the client side, Jetty's HTTP client's asynchronous exchange on the upstream side. Whichever side ends
 * first (completion, error, client disconnect, timeout) ends the other at once.
 */
final class ProxyExchange implements AsyncListener, Response.CompleteListener {
    private static final System.Logger LOG = System.getLogger(ProxyExchange.class.getName());

    private enum State { AWAITING_RESPONSE, RELAYING, DONE }

    private static final AtomicInteger OPEN_SSE_STREAMS = GateMetrics.openStreams("sse");

    private final Upstream upstream;
    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private final String requestId;
    private final GateExchange gate;
    private final AtomicReference<State> state = new AtomicReference<>(State.AWAITING_RESPONSE);
    private AsyncContext async;
    private volatile Request pending;
    private volatile Scheduler.Task responseTimer;
    private volatile ResponseRelay relay;
    /** Why the request body was refused while relayed (too large, or its inspector said no), or null. */
    private volatile Refusal bodyRefusal;
    private volatile boolean relayedWhole;
    private volatile RequestBodyRelay requestBody;
    private volatile long inspectedBodyLength = -1;
    private volatile EndedBy endedBy = EndedBy.CLIENT;
    private volatile long lastActivity = System.nanoTime();
    private volatile boolean draining;
    private final AtomicBoolean countedAsStream = new AtomicBoolean();

    ProxyExchange(Upstream upstream, HttpServletRequest request, HttpServletResponse response, String requestId,
                  GateExchange gate) {
        this.upstream = upstream;
        this.request = request;
        this.response = response;
        this.requestId = requestId;
        this.gate = gate;
    }

    /**
     * Switches the request to async mode and sends it upstream; returns at once.
     *
     * @param responseTimeout how long the sandbox may take to send its response headers (then 504)
     */
    void start(Request upstreamRequest, boolean hasBody, Duration responseTimeout) throws IOException {
        gate.relayOwnsEnd();
        async = request.startAsync();
        async.setTimeout(upstream.settings().asyncTimeout().toMillis());
        async.addListener(this);
        RequestBodyRelay body = null;
        if (request.getAttribute(Authorization.BODY_ATTRIBUTE) instanceof byte[] inspected) {
            // The filter had to read this (small) body to authorize it: forward exactly the bytes it read.
            upstreamRequest.body(new BytesRequestContent(inspected));
            inspectedBodyLength = inspected.length;
        } else if (hasBody) {
            RequestBodyInspector inspector = request.getAttribute(Authorization.BODY_INSPECTOR_ATTRIBUTE)
                    instanceof RequestBodyInspector set ? set : null;
            body = new RequestBodyRelay(request.getInputStream(), upstream.settings().maxRequestBody(),
                    request.getContentLengthLong(), inspector, this::bodyRefused);
            requestBody = body;
            upstreamRequest.body(body.content());
        }
        upstream.register(this);
        gate.onDrain(this::drain);
        pending = upstreamRequest;
        responseTimer = upstream.scheduler().schedule(this::responseTimedOut, responseTimeout.toNanos(),
                TimeUnit.NANOSECONDS);
        gate.upstreamSent();
        upstreamRequest.onResponseHeaders(this::headersArrived)
                .onResponseContentSource(this::bodyArrived)
                .send(this);
        if (body != null) {
            try {
                body.start(); // after send(): the body waits in Jetty's content until the connection takes it
            } catch (IllegalStateException alreadyCompleted) {
                // the exchange failed and completed within send() (sandbox unreachable): nothing to read for
            }
        }
        if (state.get() == State.DONE) {
            cancelUpstream(); // the client left while the request was being sent
        }
    }

    // ---- the upstream's response arrives (HTTP client threads) ----

    private void headersArrived(Response upstreamResponse) {
        cancelResponseTimer();
        gate.upstreamAnswered();
        try {
            String type = upstreamResponse.getHeaders().get(HttpHeader.CONTENT_TYPE);
            boolean eventStream = type != null && type.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
            ResponseRelay newRelay = new ResponseRelay(this, response.getOutputStream(), eventStream,
                    eventStream ? upstream.settings().streamBuffer() : Upstream.RESPONSE_WINDOW);
            relay = newRelay;
            if (!state.compareAndSet(State.AWAITING_RESPONSE, State.RELAYING)) {
                newRelay.close();
                return;
            }
            upstream.headerPolicy().serverToClientHeaders(upstreamResponse.getStatus(),
                    upstreamResponse.getHeaders(), response);
            touch();
            if (eventStream && countedAsStream.compareAndSet(false, true)) {
                OPEN_SSE_STREAMS.incrementAndGet();
            }
            newRelay.open();
            if (draining && eventStream) {
                end(EndedBy.GATEWAY); // shutting down: the client reconnects elsewhere
            }
        } catch (IOException | RuntimeException e) {
            // The client's side failed under us (typically it went away): end the upstream exchange too.
            clientGone();
        }
    }

    private void bodyArrived(Response upstreamResponse, Content.Source body) {
        ResponseRelay r = relay;
        if (r == null || state.get() != State.RELAYING) {
            body.fail(new CancellationException("the exchange ended"));
            return;
        }
        r.read(body);
    }

    /** The upstream exchange ended: on success the relay has (or gets) the whole body; else, the failure. */
    @Override
    public void onComplete(Result result) {
        cancelResponseTimer();
        RequestBodyRelay body = requestBody;
        if (body != null) {
            body.cancel();
        }
        if (result.isFailed()) {
            upstreamFailed(result.getFailure());
            return;
        }
        ResponseRelay r = relay;
        if (r != null) {
            r.upstreamDone();
        }
    }

    private void responseTimedOut() {
        if (answer(ProblemType.UPSTREAM_TIMEOUT, "The sandbox did not answer in time.")) {
            cancelUpstream();
        }
    }

    private void cancelResponseTimer() {
        Scheduler.Task timer = responseTimer;
        if (timer != null) {
            timer.cancel();
        }
    }

    /** The request body was refused while relayed: the sandbox must not receive the rest of it, so abort at once. */
    private void bodyRefused(Refusal refusal) {
        bodyRefusal = refusal;
        Request p = pending;
        if (p != null) {
            p.abort(new IOException("request body refused: " + refusal.type().uri()));
        }
    }

    // ---- events from the relay ----

    void touch() {
        lastActivity = System.nanoTime();
    }

    void relayFinished() {
        if (state.getAndSet(State.DONE) != State.DONE) {
            relayedWhole = true;
            endedBy = EndedBy.UPSTREAM;
            complete();
        }
    }

    /** The client could not keep up with an event stream: end its response; it resumes by Last-Event-ID. */
    void clientTooSlow() {
        LOG.log(Level.INFO, "request {0}: client fell {1} bytes behind an event stream; ending its stream",
                requestId, relay == null ? 0 : relay.bytesQueued());
        end(EndedBy.GATEWAY);
    }

    void clientGone() {
        end(EndedBy.CLIENT);
    }

    void upstreamFailedMidResponse(Throwable failure) {
        if (state.getAndSet(State.DONE) == State.DONE) {
            return;
        }
        endedBy = EndedBy.ERROR;
        LOG.log(Level.WARNING, "request {0}: the sandbox''s response broke off ({1})", requestId,
                failure.getClass().getSimpleName());
        cancelUpstream();
        ResponseRelay r = relay;
        if (r != null && r.isEventStream()) {
            complete(); // an event stream may end at any point: the client resumes with Last-Event-ID
        } else {
            abortClientResponse();
        }
    }

    /**
     * Makes the client see that a committed body is incomplete. Completing normally would end a chunked body with its
     * last-chunk marker, passing a truncated download off as whole, and the Servlet API has no abort. So the request
     * is dispatched back to the servlet, which throws: every container aborts a committed response on an exception.
     */
    private void abortClientResponse() {
        upstream.unregister(this);
        reportEnd(); // the response is committed: its status is final
        try {
            async.dispatch();
        } catch (IllegalStateException alreadyCompleted) {
            // the container ended the exchange first
        }
    }

    /** Checks the idle timeout; called about once a second by the {@link Upstream}'s sweeper. */
    void checkIdle(long now) {
        if (state.get() == State.RELAYING
                && now - lastActivity > upstream.settings().idleTimeout().toNanos()) {
            LOG.log(Level.INFO, "request {0}: no data for {1}; ending the exchange", requestId,
                    upstream.settings().idleTimeout());
            end(EndedBy.GATEWAY);
        }
    }

    // ---- shutdown ----

    /** See {@link dev.sandboxgate.filter.Drain}: streams end cleanly at once; at the grace period's end, the rest. */
    private void drain(Drain.Phase phase) {
        draining = true;
        ResponseRelay r = relay;
        if (phase == Drain.Phase.STREAMS_END) {
            if (r != null && r.isEventStream()) {
                end(EndedBy.GATEWAY); // a clean end of the stream: the SDK resumes with Last-Event-ID elsewhere
            }
            return;
        }
        response.setHeader("Retry-After", Drain.RETRY_AFTER_SECONDS);
        if (answer(ProblemType.SHUTTING_DOWN, "The gateway shut down before the sandbox answered; retry.")) {
            cancelUpstream();
        } else {
            end(EndedBy.GATEWAY);
        }
    }

    // ---- failure before the response started ----

    private void upstreamFailed(Throwable failure) {
        Throwable cause = failure;
        if (cause instanceof CancellationException || state.get() != State.AWAITING_RESPONSE) {
            if (state.get() == State.RELAYING) {
                upstreamFailedMidResponse(cause);
            }
            return;
        }
        Refusal refused = bodyRefusal != null ? bodyRefusal : Upstream.refusalFor(cause, requestId);
        answer(refused.type(), refused.detail());
    }

    /** Answers with a problem unless the sandbox's response has started (or the exchange ended); says which. */
    private boolean answer(ProblemType type, String detail) {
        if (!state.compareAndSet(State.AWAITING_RESPONSE, State.DONE)) {
            return false;
        }
        endedBy = type.status() >= 502 && type != ProblemType.UPSTREAM_TIMEOUT ? EndedBy.ERROR : EndedBy.GATEWAY;
        try {
            Problems.send(response, type, detail, requestId, gate.traceId());
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "request {0}: the client left before the refusal was written", requestId);
        }
        complete();
        return true;
    }

    // ---- the client's side (container callbacks) ----

    @Override
    public void onComplete(AsyncEvent event) {
        state.set(State.DONE);
        cancelUpstream();
        reportEnd();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        // Before the sandbox answered, the container's time limit is a gateway timeout, not an empty 200.
        if (answer(ProblemType.UPSTREAM_TIMEOUT, "The sandbox did not answer within the gateway's time limit.")) {
            cancelUpstream();
        } else {
            end(EndedBy.GATEWAY);
        }
    }

    @Override
    public void onError(AsyncEvent event) {
        end(EndedBy.CLIENT);
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // not re-dispatched
    }

    // ---- ending ----

    /** Ends both sides now, whatever state they are in. Idempotent. */
    private void end(EndedBy by) {
        if (state.getAndSet(State.DONE) == State.DONE) {
            return;
        }
        endedBy = by;
        cancelUpstream();
        complete();
    }

    private void cancelUpstream() {
        upstream.unregister(this);
        cancelResponseTimer();
        if (relayedWhole) {
            return; // aborting now would close a connection the HTTP client is returning to its pool
        }
        ResponseRelay r = relay;
        if (r != null) {
            r.close();
        }
        Request p = pending;
        if (p != null) {
            p.abort(new CancellationException("the exchange ended"));
        }
    }

    private void complete() {
        upstream.unregister(this);
        // Read before completing: once complete, the container may recycle the response at any moment, and Jetty
        // then answers getStatus() with an IllegalStateException (a third of all proxied requests under load).
        int status = statusOrUnknown();
        try {
            async.complete();
        } catch (IllegalStateException alreadyCompleted) {
            // the container completed it first (client gone, timeout)
        }
        reportEnd(status);
    }

    private int statusOrUnknown() {
        try {
            return response.getStatus();
        } catch (IllegalStateException recycled) {
            return -1; // the container completed the exchange already; onComplete reports its end
        }
    }

    private void reportEnd() {
        reportEnd(statusOrUnknown());
    }

    /**
     * Tells the gate how the exchange ended (the first report counts): stages release slots, audit records it.
     * {@code status} -1: unknown, the container completed the exchange and onComplete reported it.
     */
    private void reportEnd(int status) {
        if (countedAsStream.compareAndSet(true, false)) {
            OPEN_SSE_STREAMS.decrementAndGet();
        }
        if (gate.hasEnded() || status < 0) {
            return; // reported already, e.g. by onComplete while async.complete() ran on this thread
        }
        RequestBodyRelay body = requestBody;
        long in = body != null ? body.bytesRead() : Math.max(inspectedBodyLength, 0);
        ResponseRelay r = relay;
        gate.end(status, in, r == null ? 0 : r.bytesWritten(), endedBy);
    }
}
