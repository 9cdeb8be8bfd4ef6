package dev.sandboxgate.filter;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import dev.sandboxgate.filter.audit.AuditTrail;
import dev.sandboxgate.filter.auth.Authenticators;
import dev.sandboxgate.filter.authz.Authorization;
import java.io.IOException;
import java.io.Reader;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import dev.sandboxgate.filter.cors.CorsPolicy;
import dev.sandboxgate.filter.health.ReadinessCheck;
import dev.sandboxgate.filter.health.ReadinessChecks;
import dev.sandboxgate.filter.metrics.GateMetrics;
import dev.sandboxgate.filter.ratelimit.RateLimiting;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.jmx.JmxConfig;
import io.micrometer.jmx.JmxMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;

/**
 * The gate in front of the sandbox: every request under the mount passes an ordered chain of {@link Stage}s and is
 * refused with an {@code application/problem+json} answer at the first stage that says no. A request that passes
 * carries its {@link SandboxPrincipal} in {@link GateAttributes#PRINCIPAL} and as {@code getUserPrincipal()}; the
 * proxy forwards nothing without it. What is handed on never carries the caller's credential: {@code Authorization},
 * a dedicated API-key header and the {@code access_token} query parameter are hidden (see
 * {@link CredentialTransport}).
 *
 * <p>Init-params (placeholders {@code ${env:NAME}} / {@code ${sys:name}} allowed, see {@link Settings}) are listed in
 * the README; the authenticators' own are read by {@link dev.sandboxgate.filter.auth.Authenticators}. These belong to
 * the filter itself:
 * <ul>
 *   <li>{@code config-file}: a properties file consulted for every init-param that is not set (or resolves to
 *       nothing) in {@code web.xml}, for long lists;
 *   <li>{@code gate-listeners}: {@link GateListener} classes (comma-separated) told of every decision and of the
 *       end of every forwarded exchange;
 *   <li>{@code access-token-query} ({@code streams} or {@code off}) and {@code access-token-param}
 *       ({@code access_token});
 *   <li>{@code cors-*}: browser apps on other origins (see {@link CorsPolicy}; off by default);
 *   <li>{@code shutdown-grace} (20s): how long requests under way may take to finish when the gateway shuts down
 *       (see {@link Drain});
 *   <li>{@code metrics-jmx} ({@code false}): also publish the meters ({@link GateMetrics}) as JMX MBeans;
 *   <li>{@code trusted-proxies}: the proxies whose {@code X-Forwarded-For} is believed (see {@link ClientAddress}).
 * </ul>
 * The rate limits' params are read by {@link RateLimiting}.
 * Every request gets a W3C trace context ({@link TraceContext}), continued from the caller's {@code traceparent}.
 * At least one authenticator must be configured, or deployment fails.
 */
public class SandboxAuthFilter implements Filter {
    private static final System.Logger LOG = System.getLogger(SandboxAuthFilter.class.getName());
    /** Extra {@link GateListener}s, by class name (comma-separated), after the gateway's own. */
    static final String LISTENERS_PARAM = "gate-listeners";

    /** How long in-flight exchanges may take to finish when the gateway shuts down. */
    static final String SHUTDOWN_GRACE_PARAM = "shutdown-grace";
    /** Publish the gateway's meters as JMX MBeans too. */
    static final String METRICS_JMX_PARAM = "metrics-jmx";

    /** What {@link #init} builds from the settings; {@code rateLimiting} holds the connection to a shared store. */
    record Gate(List<Stage> stages, List<GateListener> listeners, CredentialTransport transport, CorsPolicy cors,
                ClientAddress clientAddress, RateLimiting rateLimiting) {
    }

    private final Clock clock;

    private List<Stage> stages;
    private List<GateListener> listeners;
    private CredentialTransport transport;
    private CorsPolicy cors;
    private Drain drain = new Drain();
    private MeterRegistry jmx;
    private ClientAddress clientAddress;
    private RateLimiting rateLimiting;

    public SandboxAuthFilter() {
        this(Clock.systemUTC());
    }

    /** With the clock the rate limits read: tests move it instead of sleeping. */
    SandboxAuthFilter(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void init(FilterConfig config) throws ServletException {
        try {
            Settings settings = withConfigFile(Settings.of(config));
            Gate gate = buildGate(settings, clock);
            stages = gate.stages();
            listeners = gate.listeners();
            transport = gate.transport();
            cors = gate.cors();
            clientAddress = gate.clientAddress();
            rateLimiting = gate.rateLimiting();
            drain = Drain.of(config.getServletContext());
            drain.grace(settings.duration(SHUTDOWN_GRACE_PARAM, Duration.ofSeconds(20)));
            registerReadinessChecks(ReadinessChecks.of(config.getServletContext()));
            if (settings.bool(METRICS_JMX_PARAM, false)) {
                jmx = new JmxMeterRegistry(JmxConfig.DEFAULT, io.micrometer.core.instrument.Clock.SYSTEM);
                GateMetrics.publishTo(jmx);
            }
        } catch (ConfigurationException e) {
            // Stops deployment: a gate without its configuration must not let anything through.
            throw new ServletException(e.getMessage(), e);
        }
    }

    /** The configuration (it loaded, or we would not be here), draining, and every stage or listener that can tell. */
    private void registerReadinessChecks(ReadinessChecks checks) {
        checks.register(new NamedCheck("configuration", ReadinessCheck.Result::ready));
        checks.register(new NamedCheck("accepting", () -> drain.accepting() ? ReadinessCheck.Result.ready()
                : ReadinessCheck.Result.down("shutting down")));
        stages.stream().filter(ReadinessCheck.class::isInstance).map(ReadinessCheck.class::cast)
                .forEach(checks::register);
        listeners.stream().filter(ReadinessCheck.class::isInstance).map(ReadinessCheck.class::cast)
                .forEach(checks::register);
    }

    private record NamedCheck(String name, Supplier<ReadinessCheck.Result> result) implements ReadinessCheck {
        @Override
        public Result check() {
            return result.get();
        }
    }

    /**
     * Drains (see {@link Drain}: new requests 503, event streams ended cleanly, the rest given {@code shutdown-grace})
     * and then closes the stages and listeners that hold resources ({@link AutoCloseable}: a session registry's
     * database pool, an audit queue that must be written out), in reverse order, after the last exchange has reported
     * its end to them.
     */
    @Override
    public void destroy() {
        if (drain != null) {
            drain.drain();
        }
        List<Object> parts = new ArrayList<>(stages == null ? List.of() : stages);
        parts.addAll(listeners == null ? List.of() : listeners);
        Collections.reverse(parts);
        for (Object part : parts) {
            if (part instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    LOG.log(Level.ERROR, "closing {0} failed with {1}", part.getClass().getName(),
                            e.getClass().getName());
                }
            }
        }
        if (rateLimiting != null) {
            rateLimiting.close();
        }
        if (jmx != null) {
            GateMetrics.stopPublishingTo(jmx);
            jmx.close();
        }
    }

    /** {@code settings}, falling back to the properties file named by {@code config-file}, if any. */
    static Settings withConfigFile(Settings settings) {
        String file = settings.optional("config-file").orElse(null);
        if (file == null) {
            return settings;
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(Paths.get(file), StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException | RuntimeException e) {
            throw settings.invalid("config-file", file, "a readable properties file ("
                    + e.getClass().getSimpleName() + ")");
        }
        return settings.withFallback(file, properties::getProperty);
    }

    static Gate buildGate(Settings settings) {
        return buildGate(settings, Clock.systemUTC());
    }

    /**
     * The chain: the address check of {@code unauthenticated} (before authentication, so that an address that keeps
     * failing costs nothing more), authentication, authorization, then the caller's rate limits and stream caps
     * (after authorization, which names the operation and the workspace they count by). Listeners: the charge of
     * failed authentications, the configured ones, the audit trail (its decision record says what was finally
     * decided, vetoes of other listeners included), and metrics last (counting the final decision; it never vetoes).
     */
    static Gate buildGate(Settings settings, Clock clock) {
        Authenticators authenticators = Authenticators.configure(settings);
        CredentialTransport transport = CredentialTransport.from(settings, authenticators.credentialHeaders());
        ClientAddress clientAddress = ClientAddress.from(settings);
        CorsPolicy cors = CorsPolicy.from(settings);
        Stage authorization = Authorization.stage(settings); // null when authorization=off
        RateLimiting rateLimiting = null;
        try {
            rateLimiting = RateLimiting.configure(settings, clock);
            List<Stage> stages = new ArrayList<>();
            List<GateListener> listeners = new ArrayList<>();
            if (rateLimiting.beforeAuthentication() != null) {
                stages.add(rateLimiting.beforeAuthentication());
                listeners.add(rateLimiting.failedAuthentications());
            }
            stages.add(new AuthenticationStage(authenticators.ordered(), transport));
            if (authorization != null) {
                stages.add(authorization);
            }
            stages.add(rateLimiting.afterAuthorization());
            for (String className : settings.list(LISTENERS_PARAM)) {
                listeners.add(settings.newInstance(LISTENERS_PARAM, className, GateListener.class));
            }
            AuditTrail audit = AuditTrail.configure(settings); // null when audit-sinks=none
            if (audit != null) {
                listeners.add(audit);
            }
            listeners.add(GateMetrics.listener());
            return new Gate(List.copyOf(stages), List.copyOf(listeners), transport, cors, clientAddress,
                    rateLimiting);
        } catch (RuntimeException e) {
            // Deployment fails: let go of what was already opened (a database pool, a Redis connection).
            closeQuietly(authorization);
            if (rateLimiting != null) {
                rateLimiting.close();
            }
            throw e;
        }
    }

    private static void closeQuietly(Stage stage) {
        if (stage instanceof AutoCloseable resources) {
            try {
                resources.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "a stage did not close cleanly: {0}", e.getClass().getName());
            }
        }
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse resp, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) resp;
        String requestId = RequestIds.acceptOrGenerate(request.getHeader(RequestIds.HEADER));
        request.setAttribute(GateAttributes.REQUEST_ID, requestId);
        response.setHeader(RequestIds.HEADER, requestId);
        TraceContext trace = TraceContext.acceptOrStart(Collections.list(request.getHeaders(TraceContext.TRACEPARENT)),
                Collections.list(request.getHeaders(TraceContext.TRACESTATE)));

        if (cors != null && CorsPolicy.isPreflight(request)) {
            // Answered here, before authentication (a preflight carries no credential), and never forwarded.
            if (!cors.answerPreflight(request, response)) {
                Problems.send(response, ProblemType.CORS_ORIGIN_FORBIDDEN,
                        "This origin, method or header is not allowed to call the gateway.", requestId,
                        trace.traceId());
            }
            return;
        }
        GateExchange exchange = new GateExchange(request, requestId, trace);
        exchange.clientIp(clientAddress.resolve(request));
        Refusal refusal = decide(exchange, admission(request, response));
        if (refusal != null) {
            refuse(exchange, response, refusal);
            return;
        }
        forward(exchange, response, chain);
    }

    /** Refusals before any stage runs: a foreign origin, or a gateway that is shutting down. */
    private Refusal admission(HttpServletRequest request, HttpServletResponse response) {
        if (cors != null && !cors.admit(request, response)) {
            return Refusal.of(ProblemType.CORS_ORIGIN_FORBIDDEN, "This origin is not allowed to call the gateway.");
        }
        if (!drain.accepting()) {
            return new Refusal(ProblemType.SHUTTING_DOWN, "The gateway is shutting down; retry shortly.",
                    Map.of("Retry-After", Drain.RETRY_AFTER_SECONDS));
        }
        return null;
    }

    private static void refuse(GateExchange exchange, HttpServletResponse response, Refusal refusal)
            throws IOException {
        // The type only: never the credential, the query string or the detail's inputs.
        LOG.log(Level.DEBUG, "request {0}: refused, {1}", exchange.requestId(), refusal.type().uri());
        refusal.headers().forEach(response::setHeader);
        try {
            Problems.send(response, refusal.type(), refusal.detail(), exchange.requestId(), exchange.traceId());
        } finally {
            exchange.end(refusal.type().status(), 0, 0, ExchangeOutcome.EndedBy.GATEWAY);
        }
    }

    /**
     * Runs the stages (unless {@code admission} already refused), then lets every listener see (and possibly
     * overrule) the decision, so refusals before the stages are audited and counted too.
     */
    private Refusal decide(GateExchange exchange, Refusal admission) {
        Refusal refusal = admission;
        try {
            if (refusal == null) {
                refusal = runStages(exchange);
            }
        } catch (RuntimeException e) {
            refusal = failedClosed(exchange, "a stage", e);
        }
        for (GateListener listener : listeners) {
            try {
                Refusal veto = listener.decided(exchange, refusal);
                if (refusal == null && veto != null) {
                    refusal = veto;
                }
            } catch (RuntimeException e) {
                refusal = failedClosed(exchange, "a listener", e);
            }
        }
        return refusal;
    }

    private static Refusal failedClosed(GateExchange exchange, String what, RuntimeException e) {
        // Only the exception's class is logged: messages of libraries may quote the credential.
        LOG.log(Level.ERROR, "request {0}: {1} failed with {2}; refusing", exchange.requestId(), what,
                e.getClass().getName());
        return Refusal.of(ProblemType.INTERNAL_ERROR, "The gateway could not decide on this request.");
    }

    private void forward(GateExchange exchange, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = exchange.request();
        request.setAttribute(GateAttributes.PRINCIPAL, exchange.principal());
        request.setAttribute(GateAttributes.EXCHANGE, exchange);
        exchange.responseHeaders().forEach(response::setHeader);
        if (!listeners.isEmpty()) {
            exchange.onEnd(outcome -> listeners.forEach(listener -> endedQuietly(listener, exchange, outcome)));
        }
        if (!drain.admit(exchange)) {
            // Draining began while the stages ran: the listeners hear of it as the end of this exchange.
            refuse(exchange, response, new Refusal(ProblemType.SHUTTING_DOWN,
                    "The gateway is shutting down; retry shortly.", Map.of("Retry-After", Drain.RETRY_AFTER_SECONDS)));
            return;
        }
        exchange.forwarded();
        boolean returned = false;
        try {
            chain.doFilter(transport.forChain(request, exchange.principal()), response);
            returned = true;
        } finally {
            if (!returned) {
                exchange.end(500, -1, -1, ExchangeOutcome.EndedBy.ERROR);
            } else if (!exchange.relayOwnsEndCalled()) {
                endWhenAnswered(exchange, request, response);
            }
        }
    }

    /** For whatever answered without reporting its end itself: a refusal of the proxy, or another servlet. */
    private static void endWhenAnswered(GateExchange exchange, HttpServletRequest request,
                                        HttpServletResponse response) {
        if (request.isAsyncStarted()) {
            try {
                request.getAsyncContext().addListener(new AsyncEnd(exchange, response));
                return;
            } catch (IllegalStateException completedMeanwhile) {
                // fall through: it is over
            }
        }
        exchange.end(response.getStatus(), -1, -1, ExchangeOutcome.EndedBy.GATEWAY);
    }

    private static void endedQuietly(GateListener listener, GateExchange exchange, ExchangeOutcome outcome) {
        try {
            listener.ended(exchange, outcome);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "request {0}: a listener failed with {1} at the end of the exchange",
                    exchange.requestId(), e.getClass().getName());
        }
    }

    /** Ends an exchange whose async cycle some other servlet started, when the container completes it. */
    private record AsyncEnd(GateExchange exchange, HttpServletResponse response) implements AsyncListener {
        @Override
        public void onComplete(AsyncEvent event) {
            exchange.end(response.getStatus(), -1, -1, ExchangeOutcome.EndedBy.GATEWAY);
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            exchange.end(response.getStatus(), -1, -1, ExchangeOutcome.EndedBy.GATEWAY);
        }

        @Override
        public void onError(AsyncEvent event) {
            exchange.end(response.getStatus(), -1, -1, ExchangeOutcome.EndedBy.ERROR);
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            event.getAsyncContext().addListener(this);
        }
    }

    private Refusal runStages(GateExchange exchange) {
        for (Stage stage : stages) {
            Refusal refusal = stage.apply(exchange);
            if (refusal != null) {
                return refusal;
            }
        }
        if (exchange.principal() == null) {
            return Refusal.of(ProblemType.CREDENTIAL_MISSING, "No authentication stage accepted the request.");
        }
        return null;
    }
}
