package dev.sandboxgate.filter;

import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;

/**
 * The seed's single application token ({@code APP_API_TOKEN}): whoever presents it as a bearer token is the
 * application, owner of every workspace. The token is compared as SHA-256 digests with {@link MessageDigest#isEqual},
 * so the time taken reveals neither its content nor its length.
 */
final class StaticTokenAuthenticator implements Authenticator {
    static final String AUTH_METHOD = "static-token";

    private final byte[] expectedDigest;
    private final SandboxPrincipal principal;

    StaticTokenAuthenticator(String token, String subject) {
        this.expectedDigest = sha256(token);
        this.principal = new SandboxPrincipal(subject, AUTH_METHOD, Map.of(), WorkspaceRole.OWNER);
    }

    @Override
    public Authentication authenticate(HttpServletRequest request) {
        String presented = BearerTokens.from(request);
        if (presented == null) {
            return Authentication.NOT_RECOGNISED;
        }
        if (MessageDigest.isEqual(expectedDigest, sha256(presented))) {
            return new Authentication.Authenticated(principal);
        }
        return new Authentication.Rejected(ProblemType.CREDENTIAL_INVALID, "The bearer token is not valid.");
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }
}
