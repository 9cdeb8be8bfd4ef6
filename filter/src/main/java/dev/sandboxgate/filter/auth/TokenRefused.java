package dev.sandboxgate.filter.auth;

import dev.sandboxgate.filter.Authentication;
import dev.sandboxgate.filter.ProblemType;

/**
 * Why a token is refused, raised where the reason is known (the key locator, the claim checks) and turned into a
 * {@link Authentication.Rejected} at the top of the verifier. Carries no stack trace: it is control flow, and it is
 * never logged.
 */
final class TokenRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient ProblemType type;

    TokenRefused(ProblemType type, String detail) {
        super(detail, null, false, false);
        this.type = type;
    }

    Authentication.Rejected rejection() {
        return new Authentication.Rejected(type, getMessage());
    }

    ProblemType type() {
        return type;
    }
}
