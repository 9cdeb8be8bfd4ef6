package dev.sandboxgate.filter;

import static org.assertj.core.api.Assertions.assertThat;

import io.jsonwebtoken.Jwts;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Date;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
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
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.util.security.Credential;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every authenticator through the filter in a real container, in front of a servlet that shows what got through: the
 * principal, and that neither the caller's credential nor the {@code access_token} parameter is visible behind it.
 * Three contexts: {@code /} (JWT, API key in X-API-Key, app token), {@code /sso} (the container's BASIC login with a
 * test realm), {@code /open} (JWT, then a let-everyone-in plug-in, with query tokens off).
 */
class AuthenticationThroughFilterTest {
    private static final String SECRET = "filter-test-hmac-secret-0123456789abcdef-0123456789";
    private static final SecretKey KEY = new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    private static final String APP_TOKEN = "filter-test-app-token-77c1";
    private static final String API_KEY = "sgk_filter_test_4f2e9c1b7d3a5e6f8091a2b3";
    private static final List<String> LOGGED = new CopyOnWriteArrayList<>();
    private static final Handler CAPTURE = new Handler() {
        @Override
        public void publish(LogRecord record) {
            LOGGED.add(record.getLevel() + " " + record.getMessage() + " " + java.util.Arrays.toString(
                    record.getParameters()) + " " + record.getThrown());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @TempDir
    static Path dir;
    private static Server server;
    private static String base;
    private final HttpClient http = HttpClient.newHttpClient();

    /** Stands for the proxy: shows what the filter handed on. */
    public static final class Behind extends HttpServlet {
        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            SandboxPrincipal principal = GateAttributes.principal(req);
            Map<String, String> roles = new TreeMap<>();
            principal.workspaceRoles().forEach((ws, role) -> roles.put(ws, role.name()));
            if (principal.everyWorkspace() != null) {
                roles.put("*", principal.everyWorkspace().name());
            }
            List<String> headers = new ArrayList<>();
            Collections.list(req.getHeaderNames()).forEach(h -> headers.add(h.toLowerCase()));
            resp.setContentType("text/plain");
            resp.getWriter().print(String.join("|", req.getUserPrincipal().getName(), principal.authMethod(),
                    roles.toString(), String.valueOf(req.getQueryString()),
                    String.valueOf(req.getParameter("access_token")),
                    String.valueOf(req.getParameterMap().containsKey("access_token")),
                    String.valueOf(Collections.list(req.getParameterNames()).contains("access_token")),
                    String.valueOf(req.getHeader("Authorization")), String.valueOf(req.getHeader("X-API-Key")),
                    String.valueOf(headers.contains("authorization") || headers.contains("x-api-key"))));
        }
    }

    @BeforeAll
    static void start() throws Exception {
        Logger.getLogger("dev.sandboxgate").setLevel(Level.ALL);
        Logger.getLogger("dev.sandboxgate").addHandler(CAPTURE);
        Path keys = Files.writeString(dir.resolve("api-keys"), "sha256:" + HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(API_KEY.getBytes(StandardCharsets.UTF_8)))
                + " nightly-job ws_1=member\n");

        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);

        ServletContextHandler tokens = context("/", Map.of("jwt-hmac-secret", SECRET, "jwt-max-token-size", "2KiB",
                "app-api-token", APP_TOKEN, "api-keys-file", keys.toString(), "api-key-header", "X-API-Key"));

        ServletContextHandler sso = context("/sso", Map.of("container-role-pattern", "sandbox:{workspace}:{role}"));
        HashLoginService realm = new HashLoginService("sandbox-test-realm");
        UserStore users = new UserStore();
        users.addUser("alice", Credential.getCredential("alice-pw"), new String[] {"staff", "sandbox:ws_1:owner",
            "sandbox:ws_1:viewer", "sandbox:ws_2:member"});
        users.addUser("bob", Credential.getCredential("bob-pw"), new String[] {"sandbox:*:viewer"});
        users.addUser("carol", Credential.getCredential("carol-pw"), new String[] {"staff"});
        realm.setUserStore(users);
        ConstraintSecurityHandler security = new ConstraintSecurityHandler();
        security.setLoginService(realm);
        security.setAuthenticator(new BasicAuthenticator());
        ConstraintMapping mapping = new ConstraintMapping();
        mapping.setPathSpec("/sandbox/*");
        mapping.setConstraint(Constraint.ANY_USER);
        security.addConstraintMapping(mapping);
        sso.setSecurityHandler(security);

        ServletContextHandler open = context("/open", Map.of("jwt-hmac-secret", SECRET,
                "authenticators", "jwt, dev.sandboxgate.filter.auth.AuthenticatorsTest$LetsEveryoneIn",
                "access-token-query", "off"));

        server.setHandler(new ContextHandlerCollection(tokens, sso, open));
        server.start();
        base = "http://127.0.0.1:" + connector.getLocalPort();
    }

    private static ServletContextHandler context(String path, Map<String, String> params) {
        ServletContextHandler context = new ServletContextHandler(path);
        FilterHolder filter = new FilterHolder(SandboxAuthFilter.class);
        filter.setInitParameters(params);
        // These tests are about authentication (arbitrary routes, callers without roles); the route policy is tested
        // in jaxrs-proxy's AuthorizationThroughGatewayTest and AcpAuthorizationTest.
        filter.setInitParameter("authorization", "off");
        context.addFilter(filter, "/sandbox/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new Behind()), "/sandbox/*");
        return context;
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop();
        Logger.getLogger("dev.sandboxgate").removeHandler(CAPTURE);
        for (String record : LOGGED) {
            assertThat(record).doesNotContain(SECRET).doesNotContain(APP_TOKEN).doesNotContain(API_KEY)
                    .doesNotContain("eyJ");
        }
    }

    private static String jwt(String sub, Instant exp) {
        return Jwts.builder().subject(sub).claim("workspaceId", "ws_1").claim("role", "owner")
                .expiration(Date.from(exp)).signWith(KEY, Jwts.SIG.HS256).compact();
    }

    private static String jwt() {
        return jwt("alice", Instant.now().plusSeconds(600));
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertRefused(HttpResponse<String> response, int status, String type, String challenge,
                                      String... secrets) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue(challenge);
        assertThat(response.body()).contains("\"type\":\"urn:sandbox-gate:problem:" + type + "\"")
                .doesNotContain("Exception").doesNotContain(SECRET);
        for (String secret : secrets) {
            assertThat(response.body()).doesNotContain(secret);
        }
    }

    // ------------------------------------------------------------------------------------------ success paths

    @Test
    void aUsersJwtReachesTheAppAsItsPrincipalAndTheHeaderStaysBehind() throws Exception {
        HttpResponse<String> response = get("/sandbox/ws_1/v1/health?x=1", "Authorization", "Bearer " + jwt());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("alice|jwt|{ws_1=OWNER}|x=1|null|false|false|null|null|false");
    }

    @Test
    void anApiKeyInItsHeaderReachesTheAppAndTheHeaderStaysBehind() throws Exception {
        HttpResponse<String> response = get("/sandbox/ws_1/v1/health", "X-API-Key", API_KEY);
        assertThat(response.body())
                .isEqualTo("nightly-job|api-key|{ws_1=MEMBER}|null|null|false|false|null|null|false");
        assertRefused(get("/sandbox/ws_1/v1/health", "X-API-Key", "sgk_wrong"), 401, "credential-invalid",
                "Bearer error=\"invalid_token\"", "sgk_wrong");
    }

    @Test
    void theStaticAppTokenStillWorks() throws Exception {
        assertThat(get("/sandbox/ws_9/v1/health", "Authorization", "Bearer " + APP_TOKEN).body())
                .startsWith("app|static-token|{*=OWNER}|");
        assertRefused(get("/sandbox/ws_9/v1/health", "Authorization", "Bearer not-the-app-token"), 401,
                "credential-invalid", "Bearer error=\"invalid_token\"", "not-the-app-token");
    }

    @Test
    void aContainerAuthenticatedUserGetsTheRolesThePatternNames() throws Exception {
        String alice = "Basic " + Base64.getEncoder().encodeToString("alice:alice-pw".getBytes(StandardCharsets.UTF_8));
        assertThat(get("/sso/sandbox/ws_1/v1/health", "Authorization", alice).body())
                .isEqualTo("alice|container|{ws_1=OWNER}|null|null|false|false|null|null|false");
        assertThat(get("/sso/sandbox/ws_2/v1/health", "Authorization", alice).body())
                .startsWith("alice|container|{ws_2=MEMBER}|");
        String bob = "Basic " + Base64.getEncoder().encodeToString("bob:bob-pw".getBytes(StandardCharsets.UTF_8));
        assertThat(get("/sso/sandbox/ws_5/v1/health", "Authorization", bob).body())
                .startsWith("bob|container|{*=VIEWER}|");
        String carol = "Basic " + Base64.getEncoder().encodeToString("carol:carol-pw".getBytes(StandardCharsets.UTF_8));
        assertThat(get("/sso/sandbox/ws_1/v1/health", "Authorization", carol).body())
                .startsWith("carol|container|{}|");
        String wrong = "Basic " + Base64.getEncoder().encodeToString("alice:nope".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> refused = get("/sso/sandbox/ws_1/v1/health", "Authorization", wrong);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.body()).doesNotContain("alice|");
    }

    // ------------------------------------------------------------------------------------------ access_token

    @Test
    void anEventStreamMayCarryItsTokenInTheQueryAndNothingBehindSeesIt() throws Exception {
        String token = jwt();
        HttpResponse<String> response = get("/sandbox/ws_1/v1/acp/srv-1?a=%2F%20x&access_token=" + token + "&b=&c",
                "Accept", "text/event-stream");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("alice|jwt|{ws_1=OWNER}|a=%2F%20x&b=&c|null|false|false|null|null|false");
        assertThat(get("/sandbox/ws_1/v1/events?access_token=" + token, "Accept", "text/event-stream").statusCode())
                .isEqualTo(200);
        // The name percent-encoded is the same parameter: used, and stripped all the same.
        assertThat(get("/sandbox/ws_1/v1/acp/srv-1?access%5Ftoken=" + token + "&k=%41", "Accept", "text/event-stream")
                .body()).isEqualTo("alice|jwt|{ws_1=OWNER}|k=%41|null|false|false|null|null|false");
    }

    @Test
    void theSseRoutesAcceptAQueryTokenWithoutAnAcceptHeader() throws Exception {
        String token = jwt();
        assertThat(get("/sandbox/ws_1/v1/acp/srv-1?access_token=" + token).body())
                .startsWith("alice|jwt|{ws_1=OWNER}|null|");
        assertThat(get("/sandbox/ws_1/v1/processes/p1/logs?follow=true&access_token=" + token).body())
                .startsWith("alice|jwt|{ws_1=OWNER}|follow=true|");
        assertRefused(get("/sandbox/ws_1/v1/processes/p1/logs?access_token=" + token), 401, "credential-missing",
                "Bearer", token);
    }

    @Test
    void aWebSocketUpgradeMayCarryItsTokenInTheQuery() throws Exception {
        String token = jwt();
        String response = raw("GET /sandbox/ws_1/v1/processes/p1/terminal/ws?access_token=" + token
                + "&cols=80 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 200").contains("alice|jwt|{ws_1=OWNER}|cols=80|null|");
    }

    @Test
    void otherRoutesRefuseAQueryTokenWithAHintAndNeverEchoIt() throws Exception {
        String token = jwt();
        HttpResponse<String> response = get("/sandbox/ws_1/v1/fs/file?path=/x&access_token=" + token);
        assertRefused(response, 401, "credential-missing", "Bearer", token);
        assertThat(response.body()).contains("accepted only on event streams and WebSocket upgrades");
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(base
                + "/sandbox/ws_1/v1/acp/srv-1?access_token=" + token)).header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertRefused(post, 401, "credential-missing", "Bearer", token);
    }

    @Test
    void twoCredentialsAtOnceAreRefusedAsAmbiguous() throws Exception {
        String token = jwt();
        assertRefused(get("/sandbox/ws_1/v1/acp/srv?access_token=" + token, "Authorization", "Bearer " + token),
                400, "credential-ambiguous", "Bearer error=\"invalid_request\"", token);
        assertRefused(get("/sandbox/ws_1/v1/acp/srv?access_token=" + token + "&access_token=" + token),
                400, "credential-ambiguous", "Bearer error=\"invalid_request\"", token);
    }

    @Test
    void withQueryTokensOffTheParameterIsIgnoredYetStillStripped() throws Exception {
        String forged = jwt("mallory", Instant.now().plusSeconds(60)) + "x";
        HttpResponse<String> response = get("/open/sandbox/ws_1/v1/acp/srv?k=v&access_token=" + forged,
                "Accept", "text/event-stream");
        assertThat(response.body()).isEqualTo("anyone|custom|{*=VIEWER}|k=v|null|false|false|null|null|false");
    }

    // ------------------------------------------------------------------------------------------ refusals

    @Test
    void aRecognisedButInvalidTokenIsRefusedNeverHandedToTheNextAuthenticator() throws Exception {
        String tampered = jwt().replaceFirst("\\.[^.]+$", ".AAAA");
        assertRefused(get("/open/sandbox/ws_1/v1/health", "Authorization", "Bearer " + tampered), 401,
                "token-signature-invalid", "Bearer error=\"invalid_token\"", tampered);
        assertThat(get("/open/sandbox/ws_1/v1/health", "Authorization", "Bearer opaque").body())
                .startsWith("anyone|custom|");
    }

    @Test
    void eachJwtFailureHasItsOwnProblemType() throws Exception {
        String expired = jwt("alice", Instant.now().minusSeconds(120));
        String none = b64("{\"alg\":\"none\"}") + "." + b64("{\"sub\":\"mallory\"}") + ".";
        String tooLarge = Jwts.builder().subject("alice").claim("pad", "x".repeat(3000))
                .expiration(Date.from(Instant.now().plusSeconds(60))).signWith(KEY, Jwts.SIG.HS256).compact();
        String future = Jwts.builder().subject("alice").notBefore(Date.from(Instant.now().plusSeconds(600)))
                .expiration(Date.from(Instant.now().plusSeconds(900))).signWith(KEY, Jwts.SIG.HS256).compact();
        String malformed = "eyJ%%%.e30.x";
        Map<String, String> expectations = Map.of(expired, "token-expired", none, "token-algorithm-not-allowed",
                tooLarge, "token-too-large", future, "token-not-yet-valid", malformed, "token-malformed");
        for (Map.Entry<String, String> e : expectations.entrySet()) {
            assertRefused(get("/sandbox/ws_1/v1/health", "Authorization", "Bearer " + e.getKey()), 401,
                    e.getValue(), "Bearer error=\"invalid_token\"", e.getKey());
        }
        assertRefused(get("/sandbox/ws_1/v1/health"), 401, "credential-missing", "Bearer");
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String raw(String request) throws IOException {
        URI uri = URI.create(base);
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            StringBuilder response = new StringBuilder();
            int n;
            try {
                while ((n = in.read(buffer)) > 0) {
                    response.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                    if (response.indexOf("|false") > 0 || response.indexOf("|true") > 0) {
                        break;
                    }
                }
            } catch (java.net.SocketTimeoutException e) {
                // return what arrived
            }
            return response.toString();
        }
    }
}
