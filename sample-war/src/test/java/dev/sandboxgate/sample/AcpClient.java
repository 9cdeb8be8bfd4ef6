package dev.sandboxgate.sample;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The few ACP calls the tests make by hand (JSON-RPC over {@code POST /v1/acp/{serverId}}), through any base URL. */
final class AcpClient {
    private static final Pattern SESSION_ID = Pattern.compile("\"sessionId\"\\s*:\\s*\"([^\"]+)\"");

    private final HttpClient http = HttpClient.newHttpClient();
    private final String baseUrl;
    private final String authorization;

    AcpClient(String baseUrl, String token) {
        this(baseUrl, "Bearer", token);
    }

    private AcpClient(String baseUrl, String scheme, String credentials) {
        this.baseUrl = baseUrl;
        this.authorization = scheme + " " + credentials;
    }

    /** A client that logs in with HTTP Basic, for a container-authenticated user. */
    static AcpClient basic(String baseUrl, String user, String password) {
        return new AcpClient(baseUrl, "Basic", java.util.Base64.getEncoder().encodeToString(
                (user + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** Starts the mock agent under {@code serverId} and opens an ACP session in it; returns the session id. */
    String startSession(String serverId) throws IOException, InterruptedException {
        return startSession(serverId, "/tmp");
    }

    /** Like {@link #startSession(String)}, with the session's working directory (the gateway holds it to fs-root). */
    String startSession(String serverId, String cwd) throws IOException, InterruptedException {
        post(serverId + "?agent=mock",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":1,"
                        + "\"clientCapabilities\":{}}}");
        String created = post(serverId,
                "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"session/new\",\"params\":{\"cwd\":\"" + cwd + "\","
                        + "\"mcpServers\":[]}}");
        Matcher m = SESSION_ID.matcher(created);
        if (!m.find()) {
            throw new IOException("session/new answered " + created);
        }
        return m.group(1);
    }

    /** Prompts the mock agent; it answers when the turn ends. */
    String prompt(String serverId, String sessionId, String text) throws IOException, InterruptedException {
        return post(serverId, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"session/prompt\",\"params\":{"
                + "\"sessionId\":\"" + sessionId + "\",\"prompt\":[{\"type\":\"text\",\"text\":\"" + text + "\"}]}}");
    }

    HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create(baseUrl + "/v1/acp/" + pathAndQuery))
                .header("Authorization", authorization);
    }

    private String post(String pathAndQuery, String json) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request(pathAndQuery)
                        .header("Content-Type", "application/json").header("Accept", "application/json")
                        .timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("POST " + pathAndQuery + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        return response.body();
    }
}
