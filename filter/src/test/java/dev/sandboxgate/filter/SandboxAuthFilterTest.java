package dev.sandboxgate.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Enumeration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The filter in a real container, in front of a servlet that shows what got through. */
class SandboxAuthFilterTest {
    private static final String TOKEN = "filter-test-token-51c0";
    private static final AtomicInteger reachedBehind = new AtomicInteger();
    private static Server server;
    private static String base;
    private final HttpClient http = HttpClient.newHttpClient();

    /** Stands for the proxy: answers with what the filter handed on. */
    public static final class Behind extends HttpServlet {
        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            reachedBehind.incrementAndGet();
            resp.getWriter().print(req.getUserPrincipal().getName() + "|" + req.getRemoteUser() + "|"
                    + GateAttributes.principal(req).authMethod() + "|" + GateAttributes.requestId(req));
        }
    }

    @BeforeAll
    static void start() throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        FilterHolder filter = new FilterHolder(SandboxAuthFilter.class);
        filter.setInitParameter("app-api-token", TOKEN);
        context.addFilter(filter, "/sandbox/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new Behind()), "/sandbox/*");
        server.setHandler(context);
        server.start();
        base = "http://127.0.0.1:" + connector.getLocalPort() + "/sandbox/ws_1/v1/health";
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop();
    }

    private HttpResponse<String> get(String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void refusesRequestWithoutCredentialAsProblemWithBearerChallenge() throws Exception {
        int before = reachedBehind.get();
        HttpResponse<String> response = get();
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertThat(response.body()).contains("\"type\":\"urn:sandbox-gate:problem:credential-missing\"")
                .contains("\"status\":401")
                .contains("\"requestId\":\"" + response.headers().firstValue("X-Request-Id").orElseThrow() + "\"");
        assertThat(reachedBehind.get()).isEqualTo(before);
    }

    @Test
    void refusesWrongTokenAsInvalidTokenWithoutEchoingIt() throws Exception {
        int before = reachedBehind.get();
        HttpResponse<String> response = get("Authorization", "Bearer not-the-token-9d2f");
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer error=\"invalid_token\"");
        assertThat(response.body()).contains("urn:sandbox-gate:problem:credential-invalid")
                .doesNotContain("not-the-token-9d2f").doesNotContain(TOKEN);
        assertThat(reachedBehind.get()).isEqualTo(before);
    }

    @Test
    void refusesOtherSchemesAndTokenPrefixes() throws Exception {
        assertThat(get("Authorization", "Basic " + TOKEN).statusCode()).isEqualTo(401);
        assertThat(get("Authorization", "Bearer " + TOKEN.substring(0, TOKEN.length() - 1)).statusCode())
                .isEqualTo(401);
        assertThat(get("Authorization", "Bearer " + TOKEN + "x").statusCode()).isEqualTo(401);
        assertThat(get("Authorization", "Bearer").statusCode()).isEqualTo(401);
    }

    @Test
    void letsTheAppTokenThroughAsPrincipal() throws Exception {
        HttpResponse<String> response = get("Authorization", "Bearer " + TOKEN, "X-Request-Id", "req-42.a_b:c");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("app|app|static-token|req-42.a_b:c");
        assertThat(response.headers().firstValue("X-Request-Id")).hasValue("req-42.a_b:c");
    }

    @Test
    void replacesMalformedRequestIdInsteadOfReflectingIt() throws Exception {
        for (String bad : new String[] {"<script>", "a b", "x".repeat(200), "-leading-dash"}) {
            HttpResponse<String> response = get("Authorization", "Bearer " + TOKEN, "X-Request-Id", bad);
            String id = response.headers().firstValue("X-Request-Id").orElseThrow();
            assertThat(id).as(bad).isNotEqualTo(bad).matches("[0-9a-f-]{36}");
            assertThat(response.body()).doesNotContain(bad);
        }
    }

    @Test
    void deploymentFailsWhenTheTokenIsNotConfigured() {
        Map<String, String> params = Map.of("app-api-token", "${env:SANDBOX_GATE_SURELY_UNSET_VARIABLE}");
        FilterConfig config = new FilterConfig() {
            @Override
            public String getFilterName() {
                return "SandboxAuthFilter";
            }

            @Override
            public ServletContext getServletContext() {
                return null;
            }

            @Override
            public String getInitParameter(String name) {
                return params.get(name);
            }

            @Override
            public Enumeration<String> getInitParameterNames() {
                return Collections.enumeration(params.keySet());
            }
        };
        assertThatThrownBy(() -> new SandboxAuthFilter().init(config))
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("'app-api-token'")
                .hasMessageContaining("SANDBOX_GATE_SURELY_UNSET_VARIABLE");
    }
}
