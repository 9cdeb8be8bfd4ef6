package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The gateway keeps its connections to the sandbox alive across requests. A keep-alive upstream (the JDK's HTTP
 * server, since RawUpstream closes after each request) records the client port of every request it serves.
 */
@ExtendWith(LogLeakGuard.class)
class ConnectionReuseTest {
    private static final int REQUESTS = 50;

    @Test
    void reusesUpstreamConnectionsAcrossSequentialRequests() throws Exception {
        Set<Integer> upstreamConnections = ConcurrentHashMap.newKeySet();
        HttpServer upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        upstream.createContext("/", exchange -> {
            upstreamConnections.add(exchange.getRemoteAddress().getPort());
            byte[] body = "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.getResponseHeaders().add("Date", "Thu, 01 Jan 2026 00:00:00 GMT");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        upstream.start();
        String sandboxUrl = "http://127.0.0.1:" + upstream.getAddress().getPort();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (GatewayServer gw = GatewayServer.start(sandboxUrl, Map.of())) {
            for (int i = 0; i < REQUESTS; i++) {
                HttpResponse<String> response = client.send(
                        HttpRequest.newBuilder(URI.create(gw.mountUrl() + "/ws_1/v1/health"))
                                .header("Authorization", "Bearer " + GatewayServer.APP_TOKEN).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.body()).isEqualTo("{\"status\":\"ok\"}");
                assertThat(response.headers().allValues("Date")).as("exactly one Date header").hasSize(1);
            }
        } finally {
            upstream.stop(0);
        }
        // The client has its last byte a moment before the HTTP client returns the connection to its pool, so on a
        // busy machine a next request now and then overtakes it and opens a second or third connection. What must
        // not happen is the bug this guards: a connection per request.
        assertThat(upstreamConnections).as("upstream connections for %d sequential requests", REQUESTS)
                .hasSizeLessThanOrEqualTo(REQUESTS / 10);
    }
}
