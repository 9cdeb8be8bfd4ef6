package dev.sandboxgate.proxy;

import dev.sandboxgate.filter.SandboxAuthFilter;
import jakarta.servlet.DispatcherType;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
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

    private final Server server;

    private GatewayServer(Server server) {
        this.server = server;
    }

    /** A gateway in front of {@code sandboxUrl}; {@code proxyParams} override the proxy servlet's defaults. */
    public static GatewayServer start(String sandboxUrl, Map<String, String> proxyParams) throws Exception {
        return start(sandboxUrl, proxyParams, true);
    }

    /**
     * The proxy servlet alone, as a deployment that forgot to map {@code SandboxAuthFilter} would run it: for
     * checking that the proxy fails closed.
     */
    public static GatewayServer startWithoutFilter(String sandboxUrl, Map<String, String> proxyParams)
            throws Exception {
        return start(sandboxUrl, proxyParams, false);
    }

    private static GatewayServer start(String sandboxUrl, Map<String, String> proxyParams, boolean gated)
            throws Exception {
        Server server = new Server(new QueuedThreadPool(200, 8));
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);

        ServletContextHandler context = new ServletContextHandler("/");
        if (gated) {
            FilterHolder filter = new FilterHolder(SandboxAuthFilter.class);
            filter.setAsyncSupported(true);
            filter.setInitParameter("app-api-token", APP_TOKEN);
            context.addFilter(filter, "/sandbox/*", EnumSet.of(DispatcherType.REQUEST));
        }

        ServletHolder proxy = new ServletHolder(SandboxProxyServlet.class);
        proxy.setAsyncSupported(true);
        Map<String, String> params = new HashMap<>();
        params.put("sandbox-url", sandboxUrl);
        params.put("sandbox-token", SANDBOX_TOKEN);
        params.putAll(proxyParams);
        proxy.setInitParameters(params);
        context.addServlet(proxy, "/sandbox/*");

        server.setHandler(context);
        server.start();
        return new GatewayServer(server);
    }

    /** {@code http://127.0.0.1:PORT}: the base URL for {@link RawClient}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /** {@code http://127.0.0.1:PORT/sandbox}: append {@code /{workspaceId}/v1/...}. */
    public String mountUrl() {
        return baseUrl() + "/sandbox";
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
