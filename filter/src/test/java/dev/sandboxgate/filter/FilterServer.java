package dev.sandboxgate.filter;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * {@link SandboxAuthFilter} on an embedded Jetty bound to 127.0.0.1, in front of a servlet standing for the proxy
 * that counts what got through and answers 200 with the caller's subject. The app token {@link #TOKEN} is owner of
 * every workspace. Time is the given clock.
 */
public final class FilterServer implements AutoCloseable {
    public static final String TOKEN = "filter-server-token-5e1a";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final Server server;
    private final String base;
    private final AtomicInteger reached;

    private FilterServer(Server server, String base, AtomicInteger reached) {
        this.server = server;
        this.base = base;
        this.reached = reached;
    }

    /** A gate configured with the app token and {@code params}, on the system clock. */
    public static FilterServer start(Map<String, String> params) throws Exception {
        return start(params, Clock.systemUTC());
    }

    public static FilterServer start(Map<String, String> params, Clock clock) throws Exception {
        AtomicInteger reached = new AtomicInteger();
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        FilterHolder filter = new FilterHolder(new SandboxAuthFilter(clock));
        filter.setInitParameter("app-api-token", TOKEN);
        params.forEach(filter::setInitParameter);
        context.addFilter(filter, "/sandbox/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                reached.incrementAndGet();
                resp.getWriter().print(req.getUserPrincipal().getName());
            }
        }), "/sandbox/*");
        server.setHandler(context);
        server.start();
        return new FilterServer(server, "http://127.0.0.1:" + connector.getLocalPort() + "/sandbox", reached);
    }

    /** GET {@code path} (under the mount, e.g. {@code /ws_1/v1/health}) with the given header name/value pairs. */
    public HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** GET {@code path} with the app token. */
    public HttpResponse<String> getAsApp(String path) throws IOException, InterruptedException {
        return get(path, "Authorization", "Bearer " + TOKEN);
    }

    /** How many requests reached the servlet behind the filter. */
    public int reached() {
        return reached.get();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
