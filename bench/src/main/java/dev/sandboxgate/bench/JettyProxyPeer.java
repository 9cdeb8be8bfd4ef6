package dev.sandboxgate.bench;

import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.ee10.proxy.AsyncProxyServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The load benchmark's peer target: what a Java team would otherwise deploy in front of a Sandbox Agent server,
 * Jetty 12's {@code AsyncProxyServlet} (ee10), tuned to stream. It serves {@code /sandbox/bench/{rest}} as
 * {@code {SANDBOX_URL}/{rest}}, the same path shape as the gateway, and replaces the caller's {@code Authorization}
 * with the sandbox's token. It checks no caller credential: it is a baseline for the cost of relaying, not a gate.
 *
 * <p>Tuning, as for the gateway's launcher: the same container (Jetty 12.1.14, 200 threads at most), no total proxy
 * timeout ({@code timeout=0}; the default 60 s cuts every SSE stream), client idle timeout 5 min (the default 30 s cuts
 * a silent 120 s prompt POST), and connector output aggregation off so each SSE event leaves as it is written.
 *
 * <p>Settings from the environment: {@code PORT}, {@code SANDBOX_URL}, {@code SANDBOX_TOKEN}. Binds 127.0.0.1.
 */
public final class JettyProxyPeer {
    static final String MOUNT = "/sandbox/bench";

    private JettyProxyPeer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(required("PORT"));
        String sandboxUrl = required("SANDBOX_URL");
        String sandboxToken = required("SANDBOX_TOKEN");

        QueuedThreadPool threads = new QueuedThreadPool(200, 8);
        threads.setName("jetty-peer-http");
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setOutputAggregationSize(0); // SSE events leave as written, not once 8 KiB pile up
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);

        ServletContextHandler context = new ServletContextHandler("/");
        ServletHolder proxy = new ServletHolder(new SandboxTokenProxy("Bearer " + sandboxToken));
        proxy.setAsyncSupported(true);
        proxy.setInitParameter("proxyTo", sandboxUrl);
        proxy.setInitParameter("prefix", MOUNT);
        proxy.setInitParameter("timeout", "0");            // no total limit per exchange
        proxy.setInitParameter("idleTimeout", "300000");   // above the 120 s an ACP POST may stay silent
        proxy.setInitParameter("maxConnections", "256");
        context.addServlet(proxy, MOUNT + "/*");
        server.setHandler(context);
        server.setStopTimeout(2_000);
        server.start();
        System.out.println("jetty-proxy-peer listening on 127.0.0.1:" + connector.getLocalPort()
                + MOUNT + " -> " + sandboxUrl);
        System.out.flush();
        server.join();
    }

    private static String required(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            System.err.println("jetty-proxy-peer: set " + name);
            System.exit(2);
        }
        return value;
    }

    /** Forwards with the sandbox's token instead of the caller's credential. */
    static final class SandboxTokenProxy extends AsyncProxyServlet.Transparent {
        private static final long serialVersionUID = 1L;
        private final String authorization;

        SandboxTokenProxy(String authorization) {
            this.authorization = authorization;
        }

        @Override
        protected void copyRequestHeaders(HttpServletRequest clientRequest, Request proxyRequest) {
            super.copyRequestHeaders(clientRequest, proxyRequest);
            proxyRequest.headers(headers -> headers.put(HttpHeader.AUTHORIZATION, authorization));
        }
    }
}
