package dev.sandboxgate.filter;

import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Map;

/**
 * Asks each {@link Authenticator} in order; the first that recognises the credential decides, so a recognised but
 * invalid credential is refused, never handed on to the next. A credential that no authenticator recognises is refused
 * as {@code credential-invalid}; a request without any as {@code credential-missing}.
 */
final class AuthenticationStage implements Stage {
    private static final Map<String, String> CHALLENGE = Map.of("WWW-Authenticate", "Bearer");
    private static final Map<String, String> INVALID_TOKEN_CHALLENGE =
            Map.of("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    private static final Map<String, String> INVALID_REQUEST_CHALLENGE =
            Map.of("WWW-Authenticate", "Bearer error=\"invalid_request\"");

    private final List<Authenticator> authenticators;
    private final CredentialTransport transport;

    AuthenticationStage(List<Authenticator> authenticators, CredentialTransport transport) {
        this.authenticators = List.copyOf(authenticators);
        this.transport = transport;
    }

    @Override
    public Refusal apply(GateExchange exchange) {
        HttpServletRequest request = exchange.request();
        List<String> queryTokens = transport.queryTokens(request);
        String queryBearer = null;
        String hint = null;
        if (!queryTokens.isEmpty()) {
            if (transport.acceptsQueryToken(request)) {
                if (queryTokens.size() > 1 || request.getHeader(CredentialTransport.AUTHORIZATION) != null) {
                    return new Refusal(ProblemType.CREDENTIAL_AMBIGUOUS, "Send one credential: either the "
                            + "Authorization header or the " + transport.param() + " query parameter, once.",
                            INVALID_REQUEST_CHALLENGE);
                }
                queryBearer = queryTokens.get(0).isEmpty() ? null : queryTokens.get(0);
            } else {
                hint = "The " + transport.param() + " query parameter is accepted only on event streams and "
                        + "WebSocket upgrades; send the Authorization header: Bearer <token>.";
            }
        }
        HttpServletRequest view = transport.forAuthenticators(request, queryBearer);
        for (Authenticator authenticator : authenticators) {
            Authentication result = authenticator.authenticate(view);
            if (result instanceof Authentication.Authenticated ok) {
                exchange.authenticated(ok.principal());
                return null;
            }
            if (result instanceof Authentication.Rejected rejected) {
                return new Refusal(rejected.type(), rejected.detail(), INVALID_TOKEN_CHALLENGE);
            }
        }
        if (transport.carriesHeaderCredential(view)) {
            return new Refusal(ProblemType.CREDENTIAL_INVALID, "The credential is not valid.",
                    INVALID_TOKEN_CHALLENGE);
        }
        return new Refusal(ProblemType.CREDENTIAL_MISSING,
                hint != null ? hint : "Send a credential in the Authorization header: Bearer <token>.", CHALLENGE);
    }
}
