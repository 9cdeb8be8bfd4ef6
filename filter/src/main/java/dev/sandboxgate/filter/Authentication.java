package dev.sandboxgate.filter;

import java.util.Objects;

/** What an {@link Authenticator} concluded about a request. */
public sealed interface Authentication {

    /** The request carries no credential of this authenticator's kind; the next one is asked. */
    Authentication NOT_RECOGNISED = new NotRecognised();

    record NotRecognised() implements Authentication {
    }

    record Authenticated(SandboxPrincipal principal) implements Authentication {
        public Authenticated {
            Objects.requireNonNull(principal, "principal");
        }
    }

    /**
     * A credential of this authenticator's kind that does not verify. The detail is shown to the caller: it names
     * the reason, never the credential or key material.
     */
    record Rejected(ProblemType type, String detail) implements Authentication {
        public Rejected {
            Objects.requireNonNull(type, "type");
        }
    }
}
