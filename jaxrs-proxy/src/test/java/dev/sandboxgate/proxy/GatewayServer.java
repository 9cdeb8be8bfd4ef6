package dev.sandboxgate.proxy;

import dev.sandboxgate.filter.Drain;
import dev.sandboxgate.filter.SandboxAuthFilter;
import dev.sandboxgate.proxy.ops.HealthServlet;
import dev.sandboxgate.proxy.ops.MetricsServlet;
import jakarta.servlet.DispatcherType;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The gateway as the sample WAR wires it (filter and proxy servlet on {@code /sandbox/*}, async supported), on an
 * embedded Jetty bound to 127.0.0.1, for tests that drive the proxy in-process.
 */
public final class GatewayServer implements AutoCloseable {
    public static final String APP_TOKEN = "test-app-token-7c1d2e";
    public static final String SANDBOX_TOKEN = "test-sandbox-token-93fa41";
    /** The operator's token for the metrics endpoint ({@code /sandbox-gate/metrics}). */
    public static final String METRICS_TOKEN = "test-metrics-token-51be07";

    private final Server server;
    private final ServletContextHandler context;

    private GatewayServer(Server server, ServletContextHandler context) {
        this.server = server;
        this.context = context;
    }

    /**
     * A gateway in front of {@code sandboxUrl}; {@code proxyParams} override the proxy servlet's defaults. For the
     * proxy's own behaviour tests, the filter authenticates the app token but its route policy is off
     * ({@code authorization=off}), so any route and path can be forwarded; see {@link #start(String, Map, Map)}.
     */
    public static GatewayServer start(String sandboxUrl, Map<String, String> proxyParams) throws Exception {
        return start(sandboxUrl, proxyParams, true, Map.of("authorization", "off"));
    }

    /**
     * A gateway in front of {@code sandboxUrl} with the filter configured as in a deployment: the app token and
     * {@code filterParams} (which may replace it), authorization enforced unless they say otherwise.
     */
    public static GatewayServer start(String sandboxUrl, Map<String, String> proxyParams,
                                      Map<String, String> filterParams) throws Exception {
        return start(sandboxUrl, proxyParams, true, filterParams);
    }

    /**
     * The proxy servlet alone, as a deployment that forgot to map {@code SandboxAuthFilter} would run it: for
     * checking that the proxy fails closed.
     */
    public static GatewayServer startWithoutFilter(String sandboxUrl, Map<String, String> proxyParams)
            throws Exception {
        return start(sandboxUrl, proxyParams, false, Map.of());
    }

    /**
     * Like {@link #start(String, Map, Map)}, on a container that lets every request URI through to the application
     * ({@code UriCompliance.UNSAFE}, ambiguous URIs decoded): what a lenient or misconfigured container would do, so
     * that a test sees the gateway's own refusal rather than the container's.
     */
    public static GatewayServer startLenient(String sandboxUrl, Map<String, String> proxyParams,
                                             Map<String, String> filterParams) throws Exception {
        return start(sandboxUrl, proxyParams, true, filterParams, true);
    }

    /**
     * Like {@link #start(String, Map, Map)}, on Jetty configured as the README advises for the gateway: the default URI
     * compliance plus {@code AMBIGUOUS_PATH_SEPARATOR} (so {@code %2F} inside an id reaches the application), and the
     * servlet handler's {@code decodeAmbiguousURIs}. Every other ambiguity is still Jetty's to refuse.
     */
    public static GatewayServer startAllowingEncodedSlashes(String sandboxUrl, Map<String, String> proxyParams,
                                                            Map<String, String> filterParams) throws Exception {
        return start(sandboxUrl, proxyParams, true, filterParams,
                UriCompliance.DEFAULT.with("sandbox-gate", UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR));
    }

    private static GatewayServer start(String sandboxUrl, Map<String, String> proxyParams, boolean gated,
                                       Map<String, String> filterParams) throws Exception {
        return start(sandboxUrl, proxyParams, gated, filterParams, false);
    }

    private static GatewayServer start(String sandboxUrl, Map<String, String> proxyParams, boolean gated,
                                       Map<String, String> filterParams, boolean lenient) throws Exception {
        return start(sandboxUrl, proxyParams, gated, filterParams, lenient ? UriCompliance.UNSAFE : null);
    }

    private static GatewayServer start(String sandboxUrl, Map<String, String> proxyParams, boolean gated,
                                       Map<String, String> filterParams, UriCompliance compliance)
            throws Exception {
        Server server = new Server(new QueuedThreadPool(200, 8));
        ServerConnector connector = new ServerConnector(server);
        if (compliance != null) {
            connector.getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration()
                    .setUriCompliance(compliance);
        }
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);

        ServletContextHandler context = new ServletContextHandler("/");
        if (gated) {
            FilterHolder filter = new FilterHolder(SandboxAuthFilter.class);
            filter.setAsyncSupported(true);
            filter.setInitParameter("app-api-token", APP_TOKEN);
            filterParams.forEach(filter::setInitParameter);
            context.addFilter(filter, "/sandbox/*", EnumSet.of(DispatcherType.REQUEST));
        }

        ServletHolder proxy = new ServletHolder(SandboxProxyServlet.class);
        proxy.setAsyncSupported(true);
        proxy.setInitOrder(1); // load-on-startup, as in the sample web.xml: configuration is read at start
        Map<String, String> params = new HashMap<>();
        params.put("sandbox-url", sandboxUrl);
        params.put("sandbox-token", SANDBOX_TOKEN);
        params.putAll(proxyParams);
        proxy.setInitParameters(params);
        proxy.setInitOrder(1); // as load-on-startup in the sample web.xml: its readiness checks exist from the start
        context.addServlet(proxy, "/sandbox/*");
        // The operations endpoints, as the sample WAR maps them.
        ServletHolder health = new ServletHolder(HealthServlet.class);
        health.setInitParameter("health-cache", "1s");
        context.addServlet(health, "/sandbox-gate/health/*");
        ServletHolder metrics = new ServletHolder(MetricsServlet.class);
        metrics.setInitParameter("metrics-token", METRICS_TOKEN);
        context.addServlet(metrics, "/sandbox-gate/metrics");

        if (compliance != null) {
            context.getServletHandler().setDecodeAmbiguousURIs(true);
        }
        // Jakarta WebSocket, as the launcher's Jetty and every full Jakarta EE server has it.
        JakartaWebSocketServletContainerInitializer.configure(context, null);
        server.setHandler(context);
        server.start();
        return new GatewayServer(server, context);
    }

    /** {@code http://127.0.0.1:PORT}: the base URL for {@link RawClient}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /** {@code http://127.0.0.1:PORT/sandbox}: append {@code /{workspaceId}/v1/...}. */
    public String mountUrl() {
        return baseUrl() + "/sandbox";
    }

    /**
     * Shuts the gateway down as the launcher does on SIGTERM, with the connector open throughout: drains it (see
     * {@link Drain}), then undeploys it (the filter and the proxy are destroyed); returns when they are.
     */
    public void undeploy() throws Exception {
        Drain.of(context.getServletContext()).drain();
        context.stop();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            // Unchecked, so that try-with-resources blocks need no handling and javac -Xlint:try stays quiet.
            throw new IllegalStateException("the gateway did not stop", e);
        }
    }
}
