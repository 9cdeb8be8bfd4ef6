package dev.sandboxgate.containers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.sample.SandboxAgentServer;
import dev.sandboxgate.sample.SdkFlow;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The built sample WAR ({@code sample-war/target/sandbox-gate.war}, unchanged) deployed into each application server in
 * turn, each configured as the README's deployment section says, in front of the real Sandbox Agent server: the same
 * checks through every one. Each check is one method; a check for a new stage of the chain is one more method.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("servers")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(MatrixReport.class)
class ContainerMatrixIT {
    private static final String INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
            + "\"params\":{\"protocolVersion\":1,\"clientCapabilities\":{}}}";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String APP_TOKEN = "matrix-app-" + randomHex(16);
    private static final String VIEWER_KEY = "sgk_viewer_" + randomHex(24);
    private static final String JWT_SECRET = randomHex(32);

    private static SandboxAgentServer sandbox;
    private static RunningServer server;
    private static SdkFlow.Run sdkRun;
    private static Path apiKeys;

    @Parameter
    ServerDistribution distribution;

    static Stream<ServerDistribution> servers() {
        return Stream.of(new Tomcat("tomcat10.version"), new Tomcat("tomcat11.version"),
                new WildFly("wildfly.version"), new PayaraMicro("payara-micro.version"),
                new JettyHome("jetty-home.version"));
    }

    @BeforeParameterizedClassInvocation
    static void deploy(ServerDistribution distribution) throws Exception {
        long start = System.nanoTime();
        sandbox = SandboxAgentServer.start();
        apiKeys = Files.createTempFile("matrix-api-keys", ".txt");
        Files.writeString(apiKeys, "sha256:" + sha256(VIEWER_KEY) + " auditor ws_view=viewer\n");
        // The environment variables the sample web.xml reads.
        server = distribution.start(Paths.get(System.getProperty("sandboxgate.war")).toAbsolutePath(), Map.of(
                "SANDBOX_URL", sandbox.url(),
                "SANDBOX_TOKEN", sandbox.token(),
                "APP_API_TOKEN", APP_TOKEN,
                "API_KEYS_FILE", apiKeys.toString(),
                "JWT_HS256_SECRET", JWT_SECRET,
                // The SDK flow writes under the sandbox's scratch directory; confinement is tested in jaxrs-proxy.
                "SANDBOX_FS_ROOT", "/"));
        MatrixReport.started(distribution.toString(), System.nanoTime() - start);
    }

    @AfterParameterizedClassInvocation
    static void undeploy(ServerDistribution distribution) throws Exception {
        long start = System.nanoTime();
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            server = null;
            sdkRun = null;
            if (sandbox != null) {
                sandbox.close();
                sandbox = null;
            }
            if (apiKeys != null) {
                Files.deleteIfExists(apiKeys);
            }
            MatrixReport.stopped(distribution.toString(), System.nanoTime() - start);
        }
    }

    @Test
    @Order(1)
    void everySocketOfTheServerIsOnLoopback() throws IOException {
        List<String> sockets = ListeningSockets.of(server.processes());
        assertThat(sockets).as("sockets of %s", server).isNotEmpty()
                .allSatisfy(socket -> assertThat(ListeningSockets.isLoopback(socket)).as(socket).isTrue());
    }

    @Test
    @Order(2)
    void theSdkFlowWorksWithTheCallersToken() throws Exception {
        SdkFlow.Run run = sdkRun();
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.stepNames()).containsExactly("health", "agents", "session", "fs", "process", "mcp", "close");
        assertThat(run.steps()).allMatch(step -> step.contains("\"ok\":true"));
        assertThat(run.output()).doesNotContain(sandbox.token());
    }

    /**
     * The mock agent sends 5 chunks 300 ms apart: the SDK must see them apart too, not in one late burst. A buffering
     * server delivers them together (gaps near 0); a busy machine may delay any one chunk, which shortens one gap and
     * lengthens the next, so the check is on the median gap and the whole span, not on every single gap.
     */
    @Test
    @Order(3)
    void streamedEventsArriveAsTheAgentSendsThem() throws Exception {
        SdkFlow.Run run = sdkRun();
        List<Double> times = run.chunkTimes();
        assertThat(times).hasSize(5);
        List<Double> gaps = new ArrayList<>();
        for (int i = 1; i < times.size(); i++) {
            gaps.add(times.get(i) - times.get(i - 1));
        }
        List<Double> sorted = gaps.stream().sorted().toList();
        assertThat((sorted.get(1) + sorted.get(2)) / 2).as("median gap of %s", gaps).isGreaterThanOrEqualTo(250.0);
        assertThat(times.get(4) - times.get(0)).as("span of %s", times).isGreaterThanOrEqualTo(1000.0);
    }

    @Test
    @Order(4)
    void aRequestWithoutCredentialIsRefusedWith401AndNeverReachesTheSandbox() throws Exception {
        String serverId = "matrix-anonymous-" + randomHex(4);
        HttpResponse<String> refused = HTTP.send(startAgent(serverId).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                challenge -> assertThat(challenge).startsWith("Bearer"));
        assertThat(refused.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(refused.body()).contains("urn:sandbox-gate:problem:credential-missing");
        assertThat(agentServersOnTheSandbox()).doesNotContain(serverId);
    }

    @Test
    @Order(5)
    void aViewerIsRefusedAnAgentSessionWith403AndItNeverReachesTheSandbox() throws Exception {
        String serverId = "matrix-viewer-" + randomHex(4);
        HttpResponse<String> refused = HTTP.send(startAgent(serverId)
                .header("Authorization", "Bearer " + VIEWER_KEY).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
        assertThat(refused.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(refused.body()).contains("urn:sandbox-gate:problem:operation-forbidden");
        assertThat(agentServersOnTheSandbox()).doesNotContain(serverId);
    }

    /** JWTs are verified inside the server with the WAR's own jjwt and Jackson, whatever the server ships. */
    @Test
    @Order(6)
    void aUsersJwtIsVerifiedAndATamperedOneRefused() throws Exception {
        String jwt = hs256Jwt("{\"sub\":\"matrix-user\",\"workspaceId\":\"ws_jwt\",\"role\":\"viewer\",\"exp\":"
                + (System.currentTimeMillis() / 1000 + 600) + "}");
        HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl("ws_jwt")
                + "/v1/health")).header("Authorization", "Bearer " + jwt).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("{\"status\":\"ok\"}");

        int signature = jwt.lastIndexOf('.') + 1;
        String tampered = jwt.substring(0, signature) + (jwt.charAt(signature) == 'A' ? 'B' : 'A')
                + jwt.substring(signature + 1);
        HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl("ws_jwt")
                + "/v1/health")).header("Authorization", "Bearer " + tampered).timeout(Duration.ofSeconds(30))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.body()).contains("urn:sandbox-gate:problem:token-signature-invalid");
    }

    /**
     * The WAR runs on the libraries it bundles, not on copies the server may expose (Payara's Jackson, for one): after
     * the checks above used them, each was defined by the class loader that defined the gateway's own classes.
     */
    @Test
    @Order(8)
    void theGatewayRunsOnTheLibrariesItsWarBundles() throws Exception {
        ProcessHandle jvm = server.jvm();
        List<String> gateway = ClassLoaders.definingLoaders(jvm, "dev.sandboxgate.filter.SandboxAuthFilter");
        assertThat(gateway).hasSize(1);
        for (String library : List.of("com.fasterxml.jackson.core.JsonFactory",
                "com.fasterxml.jackson.databind.ObjectMapper", "io.jsonwebtoken.Jwts",
                "io.jsonwebtoken.impl.DefaultJwtParser", "com.github.benmanes.caffeine.cache.Caffeine",
                // the proxy's HTTP client: on Jetty too, the WAR's copy (the server hides its own from webapps)
                "org.eclipse.jetty.client.HttpClient", "org.eclipse.jetty.util.thread.QueuedThreadPool")) {
            assertThat(ClassLoaders.definingLoaders(jvm, library)).as("loaders of %s", library)
                    .contains(gateway.get(0));
        }
    }

    /** {@code %2F} inside an id must reach the sandbox as sent: it names agent {@code mo/ck}, one path segment. */
    @Test
    @Order(7)
    void anEncodedSlashReachesTheSandboxAsSent() throws Exception {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl("ws_slash")
                        + "/v1/agents/mo%2Fck")).header("Authorization", "Bearer " + APP_TOKEN)
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.body()).as("HTTP %d", answer.statusCode())
                .contains("urn:sandbox-agent:error:unsupported_agent").contains("\"agent\":\"mo/ck\"");
    }

    @Test
    @Order(100)
    void noSecretReachesTheServersLogs() throws IOException {
        assertThat(server.logs()).isNotEmpty().doesNotContain(sandbox.token()).doesNotContain(APP_TOKEN)
                .doesNotContain(VIEWER_KEY).doesNotContain(JWT_SECRET);
    }

    /** One run of the real SDK per server, shared by the checks that read it. */
    private static SdkFlow.Run sdkRun() throws IOException, InterruptedException {
        if (sdkRun == null) {
            // The spacing of the streamed chunks is checked here, robustly, not by the script's own per-gap check.
            sdkRun = SdkFlow.run(server.baseUrl("ws_sdk"), APP_TOKEN, "--min-gap-ms", "0",
                    "--fs-root", sandbox.scratch().resolve("sdk-fs").toString());
        }
        return sdkRun;
    }

    /** The first message of an agent session: it makes the sandbox start the agent under {@code serverId}. */
    private static HttpRequest.Builder startAgent(String serverId) {
        return HttpRequest.newBuilder(URI.create(server.baseUrl("ws_view") + "/v1/acp/" + serverId + "?agent=mock"))
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(INITIALIZE));
    }

    /** What the sandbox itself lists, asked directly with its own token. */
    private static String agentServersOnTheSandbox() throws IOException, InterruptedException {
        HttpResponse<String> list = HTTP.send(HttpRequest.newBuilder(URI.create(sandbox.url() + "/v1/acp"))
                .header("Authorization", "Bearer " + sandbox.token()).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(list.statusCode()).isEqualTo(200);
        return list.body();
    }

    /** A compact HS256 JWS of these claims, signed with the secret the server was given. */
    private static String hs256Jwt(String claims) throws Exception {
        Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
        String signingInput = base64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
                .getBytes(StandardCharsets.UTF_8)) + "." + base64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(JWT_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return signingInput + "." + base64.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.UTF_8)));
    }

    private static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        new SecureRandom().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    private static String sha256(String text) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
