package dev.sandboxgate.filter.auth;

import dev.sandboxgate.filter.Authentication;
import dev.sandboxgate.filter.Authenticator;
import dev.sandboxgate.filter.SandboxPrincipal;
import dev.sandboxgate.filter.WorkspaceRole;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;

/**
 * The seed's single application token ({@code APP_API_TOKEN}): whoever presents it as a bearer token is the
 * application, owner of every workspace. The token is compared as SHA-256 digests with {@link MessageDigest#isEqual},
 * so the time taken reveals neither its content nor its length.
 *
 * <p>An opaque token has no shape to recognise, so this authenticator recognises exactly its own token; any other
 * bearer token is left to the authenticators after it, and refused as {@code credential-invalid} if none takes it.
 */
final class StaticTokenAuthenticator implements Authenticator {
    static final String AUTH_METHOD = "static-token";
    static final String PARAM = "app-api-token";

    private final byte[] expectedDigest;
    private final SandboxPrincipal principal;

    StaticTokenAuthenticator(String token, String subject) {
        this.expectedDigest = sha256(token);
        this.principal = new SandboxPrincipal(subject, AUTH_METHOD, Map.of(), WorkspaceRole.OWNER);
    }

    @Override
    public Authentication authenticate(HttpServletRequest request) {
        String presented = BearerToken.from(request);
        if (presented != null && MessageDigest.isEqual(expectedDigest, sha256(presented))) {
            return new Authentication.Authenticated(principal);
        }
        return Authentication.NOT_RECOGNISED;
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }
}
