package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The W3C trace context crosses the gateway: the caller's trace id goes on, with the gateway as the parent span. */
@ExtendWith(LogLeakGuard.class)
class TraceContextTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CALLER_SPAN = "00f067aa0ba902b7";

    @Test
    void continuesTheCallersTraceWithTheGatewayAsParent() throws Exception {
        try (RawUpstream up = RawUpstream.healthy(); GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            HttpResponse<String> response = send(gw, "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01", "vendor=abc,x=1");

            assertThat(response.statusCode()).isEqualTo(200);
            RawUpstream.Head head = up.nextRequest(5, TimeUnit.SECONDS);
            String forwarded = head.first("traceparent");
            assertThat(forwarded).matches("00-" + TRACE_ID + "-[0-9a-f]{16}-01");
            assertThat(forwarded).doesNotContain(CALLER_SPAN);
            assertThat(head.first("tracestate")).isEqualTo("vendor=abc,x=1");
        }
    }

    @Test
    void startsANewTraceForAMissingOrMalformedTraceparent() throws Exception {
        try (RawUpstream up = RawUpstream.healthy(); GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            for (String malformed : new String[] {null, "00-" + TRACE_ID.toUpperCase() + "-" + CALLER_SPAN + "-01",
                    "00-" + "0".repeat(32) + "-" + CALLER_SPAN + "-01", "ff-" + TRACE_ID + "-" + CALLER_SPAN + "-01",
                    "00-" + TRACE_ID + "-" + "0".repeat(16) + "-01", "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01-x"}) {
                send(gw, malformed, "vendor=abc");

                RawUpstream.Head head = up.nextRequest(5, TimeUnit.SECONDS);
                assertThat(head.first("traceparent")).as("for %s", malformed)
                        .matches("00-[0-9a-f]{32}-[0-9a-f]{16}-00").doesNotContain(TRACE_ID);
                assertThat(head.first("tracestate")).as("the state of a discarded parent").isNull();
            }
        }
    }

    @Test
    void problemsCarryTheTraceIdNextToTheRequestId() throws Exception {
        try (RawUpstream up = RawUpstream.healthy(); GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(
                            URI.create(gw.mountUrl() + "/ws_1/v1/health"))
                    .header("traceparent", "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01").build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.body()).contains("\"requestId\":\"" + response.headers().firstValue("X-Request-Id")
                    .orElseThrow() + "\",\"traceId\":\"" + TRACE_ID + "\"");
            assertThat(up.requestCount()).isZero();
        }
    }

    private static HttpResponse<String> send(GatewayServer gw, String traceparent, String tracestate)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gw.mountUrl() + "/ws_1/v1/health"))
                .header("Authorization", "Bearer " + GatewayServer.APP_TOKEN).header("tracestate", tracestate);
        if (traceparent != null) {
            request.header("traceparent", traceparent);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
