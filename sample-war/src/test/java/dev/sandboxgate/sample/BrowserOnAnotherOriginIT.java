package dev.sandboxgate.sample;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The story of a browser app on its own origin: headless Chromium loads a page from a static server on one port that
 * calls the gateway on another with {@code fetch} (preflighted: it sends {@code Authorization} and JSON) and
 * {@code EventSource}, and prompts the mock agent through the real Sandbox Agent server. The same page served from an
 * origin the gateway does not list gets nothing.
 */
class BrowserOnAnotherOriginIT {
    private static final String PAGE = """
            <!doctype html><meta charset="utf-8"><title>sandbox gate cors</title>
            <script>
            const gw = "%s", token = "%s";
            async function rpc(id, body, query) {
              const r = await fetch(gw + "/v1/acp/" + id + (query || ""), {method: "POST", body: JSON.stringify(body),
                headers: {"Authorization": "Bearer " + token, "Content-Type": "application/json",
                          "Accept": "application/json"}});
              if (r.status !== 200) throw new Error("POST answered " + r.status);
              return r.json();
            }
            (async () => {
              const out = {};
              try {
                const health = await fetch(gw + "/v1/health", {headers: {"Authorization": "Bearer " + token}});
                out.health = health.status;
                out.requestId = health.headers.get("X-Request-Id");
                const id = "browser-" + Math.random().toString(36).slice(2);
                await rpc(id, {jsonrpc: "2.0", id: 1, method: "initialize",
                               params: {protocolVersion: 1, clientCapabilities: {}}}, "?agent=mock");
                const chunks = [];
                const events = new EventSource(gw + "/v1/acp/" + id + "?access_token=" + encodeURIComponent(token));
                events.onmessage = (e) => {
                  const m = JSON.parse(e.data);
                  if (m.method === "session/update" && m.params.update.sessionUpdate === "agent_message_chunk") {
                    chunks.push(m.params.update.content.text);
                  }
                };
                await new Promise((resolve, reject) => { events.onopen = resolve; events.onerror = reject; });
                const session = await rpc(id, {jsonrpc: "2.0", id: 2, method: "session/new",
                                               params: {cwd: "/tmp", mcpServers: []}});
                const prompt = await rpc(id, {jsonrpc: "2.0", id: 3, method: "session/prompt",
                    params: {sessionId: session.result.sessionId,
                             prompt: [{type: "text", text: "hello chunks=4 delayMs=200"}]}});
                out.stopReason = prompt.result.stopReason;
                await new Promise((resolve) => setTimeout(resolve, 500));
                out.chunks = chunks.length;
                events.close();
              } catch (e) {
                out.error = String(e && e.message || e);
              }
              window.result = JSON.stringify(out);
            })();
            </script>
            """;

    @Test
    void aPageOnAnAllowedOriginPromptsTheAgentAndOneOnAnotherOriginGetsNothing() throws Exception {
        String appToken = "browser-it-" + UUID.randomUUID();
        int appPort = Repo.freePort();
        String allowedOrigin = "http://127.0.0.1:" + appPort;
        try (SandboxAgentServer sandbox = SandboxAgentServer.start();
             GatewayProcess gateway = GatewayProcess.start(Map.of("SANDBOX_URL", sandbox.url(),
                     "SANDBOX_TOKEN", sandbox.token(), "APP_API_TOKEN", appToken,
                     "SANDBOX_CORS_ORIGINS", allowedOrigin), List.of());
             HeadlessChromium chromium = HeadlessChromium.start()) {
            byte[] page = PAGE.formatted(gateway.baseUrl("demo"), appToken).getBytes(StandardCharsets.UTF_8);
            HttpServer allowed = serve(appPort, page);
            HttpServer foreign = serve(Repo.freePort(), page);
            try {
                // The preflight a browser sends carries no credential; the gateway answers it itself.
                HttpResponse<String> preflight = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create(gateway.baseUrl("demo") + "/v1/acp/x"))
                        .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", allowedOrigin)
                        .header("Access-Control-Request-Method", "POST")
                        .header("Access-Control-Request-Headers", "authorization,content-type").build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(preflight.statusCode()).isEqualTo(204);
                assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue(allowedOrigin);

                chromium.navigate(allowedOrigin + "/app.html");
                String result = chromium.awaitString("window.result || null", Duration.ofSeconds(60));
                assertThat(result).isNotNull();
                assertThat(result).doesNotContain("\"error\"").contains("\"health\":200", "\"stopReason\":\"end_turn\"",
                        "\"chunks\":4").containsPattern("\"requestId\":\"[0-9a-f-]{36}\"");

                chromium.navigate("http://127.0.0.1:" + foreign.getAddress().getPort() + "/app.html");
                String refused = chromium.awaitString("window.result || null", Duration.ofSeconds(60));
                assertThat(refused).contains("\"error\"").doesNotContain("\"health\"", "end_turn");
            } finally {
                allowed.stop(0);
                foreign.stop(0);
            }
        }
    }

    private static HttpServer serve(int port, byte[] page) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/app.html", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        server.start();
        return server;
    }
}
