package dev.sandboxgate.proxy;

import dev.sandboxgate.filter.GateExchange;
import dev.sandboxgate.filter.ProblemType;
import dev.sandboxgate.filter.Problems;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.function.UnaryOperator;

/**
 * A response the caller may see only part of ({@code GET /v1/acp}, which lists every caller's ACP servers): fetched
 * whole, filtered by the operator the filter attached, then written. Such answers are small and quick, so this runs on
 * the request thread. A successful answer the filter cannot read is refused (502), never passed on unfiltered; the
 * sandbox's errors pass unchanged.
 */
final class FilteredResponse {
    private static final System.Logger LOG = System.getLogger(FilteredResponse.class.getName());

    private FilteredResponse() {
    }

    static void relay(Upstream upstream, HttpRequest.Builder upstreamRequest, String method,
                      HttpServletResponse response, GateExchange gate, UnaryOperator<byte[]> filter)
            throws IOException {
        String requestId = gate.requestId();
        String traceId = gate.traceId();
        HttpResponse<byte[]> answer;
        try {
            gate.upstreamSent();
            // A HEAD is answered from the filtered GET, so that its headers describe the body the caller may see.
            String sent = method.equals("HEAD") ? "GET" : method;
            answer = upstream.client().send(upstreamRequest.method(sent, HttpRequest.BodyPublishers.noBody())
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
            gate.upstreamAnswered();
        } catch (HttpConnectTimeoutException | ConnectException e) {
            Problems.send(response, ProblemType.UPSTREAM_UNREACHABLE, "The sandbox could not be reached.", requestId,
                    traceId);
            return;
        } catch (HttpTimeoutException e) {
            Problems.send(response, ProblemType.UPSTREAM_TIMEOUT, "The sandbox did not answer in time.", requestId,
                    traceId);
            return;
        } catch (IOException e) {
            LOG.log(Level.WARNING, "request {0}: the sandbox exchange failed ({1})", requestId,
                    e.getClass().getName());
            Problems.send(response, ProblemType.UPSTREAM_UNREACHABLE, "The connection to the sandbox failed.",
                    requestId, traceId);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Problems.send(response, ProblemType.UPSTREAM_UNREACHABLE, "The gateway was interrupted.", requestId,
                    traceId);
            return;
        }
        byte[] body = answer.body();
        if (answer.statusCode() / 100 == 2) {
            body = filter.apply(body);
            if (body == null) {
                Problems.send(response, ProblemType.UPSTREAM_INVALID, "The sandbox's answer could not be read, so "
                        + "it was not passed on.", requestId, traceId);
                return;
            }
        }
        upstream.headerPolicy().serverToClientHeaders(info(answer), response);
        response.setContentLength(body.length);
        if (!method.equals("HEAD")) {
            response.getOutputStream().write(body);
        }
        response.flushBuffer();
    }

    private static HttpResponse.ResponseInfo info(HttpResponse<?> answer) {
        return new HttpResponse.ResponseInfo() {
            @Override
            public int statusCode() {
                return answer.statusCode();
            }

            @Override
            public HttpHeaders headers() {
                return answer.headers();
            }

            @Override
            public HttpClient.Version version() {
                return answer.version();
            }
        };
    }
}
