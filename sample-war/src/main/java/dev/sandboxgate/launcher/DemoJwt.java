package dev.sandboxgate.launcher;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.function.UnaryOperator;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The local demo's user token: a short-lived HS256 JWT for {@code demo-user}, owner of workspace {@code demo}, signed
 * with a secret generated at start-up and handed to the WAR as {@code JWT_HS256_SECRET}. Minted only when the
 * operator configured no JWT setting at all, so an operator's JWT configuration is never replaced, and the secret is
 * never printed. Written by hand (base64url and HMAC-SHA256 from the JDK), so the launcher needs no JWT library.
 *
 * @param secret    the HMAC secret (43 characters of base64url, 256 random bits)
 * @param token     the signed token
 * @param expiresAt when it stops being accepted
 */
record DemoJwt(String secret, String token, Instant expiresAt) {
    static final String SUBJECT = "demo-user";
    static final String WORKSPACE = "demo";
    static final Duration LIFETIME = Duration.ofHours(1);
    /** Any of these set means the operator configures JWTs: no demo token then. */
    static final List<String> JWT_SETTINGS = List.of("JWT_HS256_SECRET", "JWT_PUBLIC_KEYS", "JWT_JWKS_URL",
            "JWT_ISSUER", "JWT_AUDIENCE");

    static boolean wanted(UnaryOperator<String> lookup) {
        return JWT_SETTINGS.stream().allMatch(name -> lookup.apply(name) == null);
    }

    static DemoJwt mint(Instant now) {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Instant exp = now.plus(LIFETIME);
        String header = base64Url("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
        String payload = base64Url("{\"sub\":\"" + SUBJECT + "\",\"workspaceId\":\"" + WORKSPACE
                + "\",\"role\":\"owner\",\"iat\":" + now.getEpochSecond() + ",\"exp\":" + exp.getEpochSecond() + "}");
        String signingInput = header + "." + payload;
        return new DemoJwt(secret, signingInput + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(hmacSha256(secret, signingInput)), exp);
    }

    private static String base64Url(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] hmacSha256(String secret, String input) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(input.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java platform provides HmacSHA256", e);
        }
    }

    @Override
    public String toString() {
        return "DemoJwt[expiresAt=" + expiresAt + "]"; // never the secret
    }
}
