package dev.sandboxgate.proxy.ops;

import dev.sandboxgate.filter.ConfigurationException;
import dev.sandboxgate.filter.GateAttributes;
import dev.sandboxgate.filter.ProblemType;
import dev.sandboxgate.filter.Problems;
import dev.sandboxgate.filter.Settings;
import dev.sandboxgate.filter.metrics.GateMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The Prometheus scrape endpoint for the gateway's meters ({@link GateMetrics}), for operators only: a request must
 * carry {@code Authorization: Bearer <metrics-token>} or come from a container user in role {@code metrics-role}.
 * With neither configured, every scrape is refused (fail closed) and a warning is logged at start-up.
 */
public class MetricsServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger(MetricsServlet.class.getName());
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private transient PrometheusMeterRegistry prometheus;
    private transient byte[] tokenDigest;
    private transient String role;

    @Override
    public void init() throws ServletException {
        try {
            Settings settings = Settings.of(getServletConfig());
            tokenDigest = settings.optional("metrics-token").map(MetricsServlet::sha256).orElse(null);
            role = settings.optional("metrics-role").orElse(null);
        } catch (ConfigurationException e) {
            throw new ServletException(e.getMessage(), e);
        }
        if (tokenDigest == null && role == null) {
            LOG.log(Level.WARNING, "{0}: neither metrics-token nor metrics-role is set; every scrape is refused",
                    getServletName());
        }
        prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        GateMetrics.publishTo(prometheus);
    }

    @Override
    public void destroy() {
        if (prometheus != null) {
            GateMetrics.stopPublishingTo(prometheus);
            prometheus.close();
        }
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!isOperator(request)) {
            response.setHeader("WWW-Authenticate", "Bearer");
            Problems.send(response, ProblemType.ADMIN_CREDENTIAL_REQUIRED,
                    "The metrics endpoint needs the operator's credential.", GateAttributes.requestId(request));
            return;
        }
        byte[] body = prometheus.scrape().getBytes(StandardCharsets.UTF_8);
        response.setContentType(CONTENT_TYPE);
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    private boolean isOperator(HttpServletRequest request) {
        if (role != null && request.getUserPrincipal() != null && request.isUserInRole(role)) {
            return true;
        }
        String authorization = request.getHeader("Authorization");
        if (tokenDigest == null || authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        // Digests of equal length, compared in constant time: the token's length and content stay unobservable.
        return MessageDigest.isEqual(tokenDigest, sha256(authorization.substring(7).trim()));
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
