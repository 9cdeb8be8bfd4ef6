package dev.sandboxgate.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.SandboxAuthFilter;
import dev.sandboxgate.proxy.SandboxProxyServlet;
import jakarta.servlet.DispatcherType;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.servlet.security.ConstraintMapping;
import org.eclipse.jetty.ee10.servlet.security.ConstraintSecurityHandler;
import org.eclipse.jetty.security.Constraint;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.security.authentication.BasicAuthenticator;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.security.Credential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The other two ways in, against the real Sandbox Agent server: a backend job with an API key (the launcher, configured
 * with API_KEYS_FILE), and a user the application server itself has logged in (embedded Jetty with a test realm and
 * BASIC login, the container-principal authenticator mapping {@code sandbox:{workspace}:{role}} roles).
 */
class ApiKeyAndContainerUserIT {
    @RegisterExtension
    static final PerClass<SandboxAgentServer> sandbox = PerClass.start(SandboxAgentServer::start);

    @Test
    void aBackendJobWithAnApiKeyPromptsTheAgentAndWatchesItsStream() throws Exception {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String apiKey = "sgk_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Path keys = Files.createTempFile("api-keys", ".txt");
        String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(apiKey.getBytes(StandardCharsets.UTF_8)));
        Files.writeString(keys, "# nightly job\nsha256:" + hash + " nightly-job ws_jobs=member\n");
        try (GatewayProcess gateway = GatewayProcess.start(Map.of("SANDBOX_URL", sandbox.get().url(),
                "SANDBOX_TOKEN", sandbox.get().token(), "API_KEYS_FILE", keys.toString()), List.of())) {
            AcpClient acp = new AcpClient(gateway.baseUrl("ws_jobs"), apiKey);
            String sessionId = acp.startSession("api-key-it");

            // A browser-style EventSource cannot set headers: it carries the key as access_token.
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<InputStream> stream = http.send(HttpRequest.newBuilder(URI.create(
                            gateway.baseUrl("ws_jobs") + "/v1/acp/api-key-it?access_token=" + apiKey))
                    .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(stream.statusCode()).isEqualTo(200);
            assertThat(stream.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("text/event-stream"));
            stream.body().close();

            assertThat(acp.prompt("api-key-it", sessionId, "chunks=2")).contains("end_turn");
            HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl("ws_jobs")
                    + "/v1/health")).header("Authorization", "Bearer sgk_not-a-key").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(wrong.statusCode()).isEqualTo(401);
            assertThat(wrong.body()).contains("urn:sandbox-gate:problem:credential-invalid");
            assertThat(gateway.output()).doesNotContain(apiKey).doesNotContain(sandbox.get().token());
        } finally {
            Files.deleteIfExists(keys);
        }
    }

    @Test
    void aUserLoggedInByTheContainerReachesTheSandbox() throws Exception {
        Server server = containerWithRealm();
        try {
            String base = "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort()
                    + "/sandbox/ws_team";
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/health"))
                    .header("Authorization", basic("alice", "alice-password")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("{\"status\":\"ok\"}");

            AcpClient acp = AcpClient.basic(base, "alice", "alice-password");
            String sessionId = acp.startSession("container-it");
            assertThat(acp.prompt("container-it", sessionId, "chunks=2")).contains("end_turn");

            HttpResponse<String> wrongPassword = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/health"))
                    .header("Authorization", basic("alice", "guess")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(wrongPassword.statusCode()).isEqualTo(401);
            assertThat(wrongPassword.body()).doesNotContain("status\":\"ok");
        } finally {
            server.stop();
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
    }

    /** The gateway as a container-managed-security deployment would wire it: a realm, BASIC login, the filter. */
    private static Server containerWithRealm() throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);

        ServletContextHandler context = new ServletContextHandler("/");
        HashLoginService realm = new HashLoginService("company-sso");
        UserStore users = new UserStore();
        users.addUser("alice", Credential.getCredential("alice-password"),
                new String[] {"employee", "sandbox:ws_team:owner"});
        realm.setUserStore(users);
        ConstraintSecurityHandler security = new ConstraintSecurityHandler();
        security.setLoginService(realm);
        security.setAuthenticator(new BasicAuthenticator());
        ConstraintMapping mapping = new ConstraintMapping();
        mapping.setPathSpec("/sandbox/*");
        mapping.setConstraint(Constraint.ANY_USER);
        security.addConstraintMapping(mapping);
        context.setSecurityHandler(security);

        FilterHolder filter = new FilterHolder(SandboxAuthFilter.class);
        filter.setAsyncSupported(true);
        filter.setInitParameter("container-role-pattern", "sandbox:{workspace}:{role}");
        filter.setInitParameter("fs-root", "/tmp"); // AcpClient's session/new names cwd /tmp
        context.addFilter(filter, "/sandbox/*", EnumSet.of(DispatcherType.REQUEST));
        ServletHolder proxy = new ServletHolder(SandboxProxyServlet.class);
        proxy.setAsyncSupported(true);
        proxy.setInitParameters(Map.of("sandbox-url", sandbox.get().url(), "sandbox-token", sandbox.get().token()));
        context.addServlet(proxy, "/sandbox/*");
        server.setHandler(context);
        server.start();
        return server;
    }
}
