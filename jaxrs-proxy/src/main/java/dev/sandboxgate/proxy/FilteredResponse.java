package dev.sandboxgate.proxy;

import dev.sandboxgate.filter.GateExchange;
import dev.sandboxgate.filter.ProblemType;
import dev.sandboxgate.filter.Problems;
import dev.sandboxgate.filter.Refusal;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.Request;

/**
 * A response the caller may see only part of ({@code GET /v1/acp}, which lists every caller's ACP servers): fetched
 * whole (Jetty's client buffers at most 2 MiB of it; a larger answer fails as a broken connection), filtered by the
 * operator the filter attached, then written. Such answers are small and quick, so this runs on the request thread.
 * A successful answer the filter cannot read is refused (502), never passed on unfiltered; the sandbox's errors pass
 * unchanged.
 */
final class FilteredResponse {
    private FilteredResponse() {
    }

    static void relay(Upstream upstream, Request upstreamRequest, Duration responseTimeout, String method,
                      HttpServletResponse response, GateExchange gate, UnaryOperator<byte[]> filter)
            throws IOException {
        String requestId = gate.requestId();
        String traceId = gate.traceId();
        ContentResponse answer;
        try {
            gate.upstreamSent();
            // A HEAD is answered from the filtered GET, so that its headers describe the body the caller may see.
            answer = upstreamRequest.method(method.equals("HEAD") ? "GET" : method)
                    .timeout(responseTimeout.toMillis(), TimeUnit.MILLISECONDS).send();
            gate.upstreamAnswered();
        } catch (TimeoutException | ExecutionException e) {
            Throwable failure = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            Refusal refused = Upstream.refusalFor(failure, requestId);
            Problems.send(response, refused.type(), refused.detail(), requestId, traceId);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Problems.send(response, ProblemType.UPSTREAM_UNREACHABLE, "The gateway was interrupted.", requestId,
                    traceId);
            return;
        }
        byte[] body = answer.getContent();
        if (answer.getStatus() / 100 == 2) {
            body = filter.apply(body);
            if (body == null) {
                Problems.send(response, ProblemType.UPSTREAM_INVALID, "The sandbox's answer could not be read, so "
                        + "it was not passed on.", requestId, traceId);
                return;
            }
        }
        upstream.headerPolicy().serverToClientHeaders(answer.getStatus(), answer.getHeaders(), response);
        response.setContentLength(body.length);
        if (!method.equals("HEAD")) {
            response.getOutputStream().write(body);
        }
        response.flushBuffer();
    }
}
