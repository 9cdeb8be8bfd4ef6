package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Neither token leaks: not in any answer the gateway gives (success or refusal, head or body), not in its logs. Every
 * other test class checks the logs too, through {@link LogLeakGuard}; this one walks the failure paths on purpose.
 */
@ExtendWith(LogLeakGuard.class)
class SecretHygieneTest {
    private static final String APP = "Authorization: Bearer " + GatewayServer.APP_TOKEN;
    private static final String API_KEY = "X-Api-Key: caller-api-key-5be0c2";

    @Test
    void noAnswerOfTheGatewayRevealsAToken() throws Exception {
        List<RawClient.Response> responses = new ArrayList<>();
        try (RawUpstream up = new RawUpstream((head, in, out) -> {
            if (head.target().startsWith("/v1/broken")) {
                RawUpstream.writeHead(out, 200, "Content-Type: application/octet-stream", "Content-Length: 1000",
                        "Connection: close");
                out.write(new byte[10]);
            } else {
                RawUpstream.respond(out, 200, "application/json", "{\"ok\":true}".getBytes(StandardCharsets.UTF_8));
            }
        }); GatewayServer gw = GatewayServer.start(up.url(),
                Map.of("credential-headers", "X-Api-Key", "max-request-body", "1KiB"))) {
            responses.add(get(gw, "/sandbox/ws_1/v1/health", APP, API_KEY));
            responses.add(get(gw, "/sandbox/ws_1/v1/health"));
            // A caller who somehow learnt the sandbox's token and offers it: refused, and not echoed.
            responses.add(get(gw, "/sandbox/ws_1/v1/health", "Authorization: Bearer " + GatewayServer.SANDBOX_TOKEN));
            responses.add(get(gw, "/sandbox/ws_1/v1/health", "Authorization: Bearer " + GatewayServer.APP_TOKEN + "0"));
            responses.add(RawClient.exchange(gw.baseUrl(), "PROPFIND /sandbox/ws_1/v1/fs HTTP/1.1\r\nHost: gw\r\n"
                    + APP + "\r\nConnection: close", null));
            responses.add(RawClient.exchange(gw.baseUrl(), "PUT /sandbox/ws_1/v1/fs/file HTTP/1.1\r\nHost: gw\r\n"
                    + APP + "\r\nContent-Length: 5000\r\nConnection: close", null));
            responses.add(get(gw, "/sandbox/bad!ws/v1/health", APP));
            responses.add(get(gw, "/sandbox/ws_1/v1/broken", APP));
        }
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        try (GatewayServer gw = GatewayServer.start("http://127.0.0.1:" + closedPort, Map.of())) {
            responses.add(get(gw, "/sandbox/ws_1/v1/health", APP));
        }
        try (RawUpstream up = RawUpstream.silent();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of("response-timeout", "300ms"))) {
            responses.add(get(gw, "/sandbox/ws_1/v1/health", APP));
        }
        try (GatewayServer gw = GatewayServer.startWithoutFilter("http://127.0.0.1:" + closedPort, Map.of())) {
            responses.add(get(gw, "/sandbox/ws_1/v1/health", APP));
        }

        assertThat(responses).extracting(RawClient.Response::status)
                .containsExactly(200, 401, 401, 401, 405, 413, 400, 200, 502, 504, 500);
        for (RawClient.Response response : responses) {
            LogLeakGuard.assertNoSecretIn("response " + response.head().lines().findFirst().orElse(""),
                    response.wholeText());
        }
    }

    @Test
    void failuresAreLoggedWithoutTokens() throws Exception {
        int before = LogLeakGuard.recordsSeen();
        try (RawUpstream up = new RawUpstream((head, in, out) -> {
            RawUpstream.writeHead(out, 200, "Content-Type: application/octet-stream", "Content-Length: 1000",
                    "Connection: close");
            out.write(new byte[10]);
            RawUpstream.resetConnection();
        }); GatewayServer gw = GatewayServer.start(up.url(), Map.of("credential-headers", "X-Api-Key"))) {
            get(gw, "/sandbox/ws_1/v1/fs/file?path=/x", APP, API_KEY);
        }

        // The capture is not vacuous: the broken response was logged (and LogLeakGuard scans it after this test).
        assertThat(LogLeakGuard.records()).anySatisfy(record -> assertThat(record).contains("broke off"));
        assertThat(LogLeakGuard.recordsSeen()).isGreaterThan(before);
        for (String record : LogLeakGuard.records()) {
            LogLeakGuard.assertNoSecretIn("log record", record);
        }
    }

    private static RawClient.Response get(GatewayServer gw, String target, String... headers) throws Exception {
        StringBuilder head = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\nHost: gw\r\nConnection: close");
        for (String header : headers) {
            head.append("\r\n").append(header);
        }
        return RawClient.exchange(gw.baseUrl(), head.toString(), null);
    }
}
