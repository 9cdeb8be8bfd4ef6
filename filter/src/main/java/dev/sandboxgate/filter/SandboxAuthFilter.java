package dev.sandboxgate.filter;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.security.Principal;
import java.util.List;

/**
 * The gate in front of the sandbox: every request under the mount passes an ordered chain of {@link Stage}s and is
 * refused with an {@code application/problem+json} answer at the first stage that says no. A request that passes
 * carries its {@link SandboxPrincipal} in {@link GateAttributes#PRINCIPAL}; the proxy forwards nothing without it.
 *
 * <p>Init-params (placeholders {@code ${env:NAME}} / {@code ${sys:name}} allowed, see {@link Settings}):
 * <ul>
 *   <li>{@code app-api-token} (required): the application's static bearer token (the seed's {@code APP_API_TOKEN}).
 *   <li>{@code app-api-subject} (default {@code app}): the subject recorded for callers using that token.
 * </ul>
 */
public class SandboxAuthFilter implements Filter {
    private static final System.Logger LOG = System.getLogger(SandboxAuthFilter.class.getName());

    private List<Stage> stages;

    @Override
    public void init(FilterConfig config) throws ServletException {
        try {
            stages = buildStages(Settings.of(config));
        } catch (ConfigurationException e) {
            // Stops deployment: a gate without its configuration must not let anything through.
            throw new ServletException(e.getMessage(), e);
        }
    }

    static List<Stage> buildStages(Settings settings) {
        Authenticator appToken = new StaticTokenAuthenticator(
                settings.required("app-api-token"), settings.optional("app-api-subject").orElse("app"));
        return List.of(new AuthenticationStage(List.of(appToken)));
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse resp, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) resp;
        String requestId = RequestIds.acceptOrGenerate(request.getHeader(RequestIds.HEADER));
        request.setAttribute(GateAttributes.REQUEST_ID, requestId);
        response.setHeader(RequestIds.HEADER, requestId);

        GateExchange exchange = new GateExchange(request, requestId);
        Refusal refusal;
        try {
            refusal = runStages(exchange);
        } catch (RuntimeException e) {
            // Fail closed. Only the exception's class is logged: messages of libraries may quote the credential.
            LOG.log(Level.ERROR, "request {0}: a stage failed with {1}; refusing", requestId, e.getClass().getName());
            refusal = Refusal.of(ProblemType.INTERNAL_ERROR, "The gateway could not decide on this request.");
        }
        if (refusal != null) {
            refusal.headers().forEach(response::setHeader);
            Problems.send(response, refusal.type(), refusal.detail(), requestId);
            return;
        }
        request.setAttribute(GateAttributes.PRINCIPAL, exchange.principal());
        chain.doFilter(new AuthenticatedRequest(request, exchange.principal()), response);
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

    /** Presents the gateway's principal to the application as the request's user. */
    private static final class AuthenticatedRequest extends HttpServletRequestWrapper {
        private final SandboxPrincipal principal;

        AuthenticatedRequest(HttpServletRequest request, SandboxPrincipal principal) {
            super(request);
            this.principal = principal;
        }

        @Override
        public Principal getUserPrincipal() {
            return principal;
        }

        @Override
        public String getRemoteUser() {
            return principal.subject();
        }
    }
}
