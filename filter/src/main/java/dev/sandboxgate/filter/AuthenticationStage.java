package dev.sandboxgate.filter;

import java.util.List;
import java.util.Map;

/** Asks each {@link Authenticator} in order; the first that recognises the credential decides. */
final class AuthenticationStage implements Stage {
    private static final Map<String, String> CHALLENGE = Map.of("WWW-Authenticate", "Bearer");
    private static final Map<String, String> INVALID_TOKEN_CHALLENGE =
            Map.of("WWW-Authenticate", "Bearer error=\"invalid_token\"");

    private final List<Authenticator> authenticators;

    AuthenticationStage(List<Authenticator> authenticators) {
        this.authenticators = List.copyOf(authenticators);
    }

    @Override
    public Refusal apply(GateExchange exchange) {
        for (Authenticator authenticator : authenticators) {
            Authentication result = authenticator.authenticate(exchange.request());
            if (result instanceof Authentication.Authenticated ok) {
                exchange.authenticated(ok.principal());
                return null;
            }
            if (result instanceof Authentication.Rejected rejected) {
                return new Refusal(rejected.type(), rejected.detail(), INVALID_TOKEN_CHALLENGE);
            }
        }
        return new Refusal(ProblemType.CREDENTIAL_MISSING,
                "Send a credential in the Authorization header: Bearer <token>.", CHALLENGE);
    }
}
