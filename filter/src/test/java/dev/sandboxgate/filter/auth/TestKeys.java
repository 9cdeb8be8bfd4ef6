package dev.sandboxgate.filter.auth;

import io.jsonwebtoken.JwtBuilder;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Jwks;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.stream.Collectors;

/** Real keys and real signed tokens, generated per test run. */
final class TestKeys {
    static final String HMAC_SECRET = "a-test-hmac-secret-of-at-least-32-bytes-0123456789abcdef0123456789";

    private TestKeys() {
    }

    static KeyPair rsa() {
        return generate("RSA", 2048);
    }

    static KeyPair ec256() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair generate(String type, int bits) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(type);
            generator.initialize(bits);
            return generator.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(PublicKey key) {
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(key.getEncoded());
        return "-----BEGIN PUBLIC KEY-----\n" + base64 + "\n-----END PUBLIC KEY-----\n";
    }

    /** {"keys":[...]} with each public key under its kid. */
    static String jwks(List<Object[]> kidAndKey) {
        return kidAndKey.stream()
                .map(k -> Jwks.json(Jwks.builder().key((PublicKey) k[1]).id((String) k[0]).build()))
                .collect(Collectors.joining(",", "{\"keys\":[", "]}"));
    }

    /** A token for {@code sub}, owner of ws_1 in the seed's shape, valid from an hour before to an hour after now. */
    static JwtBuilder claims(Instant now) {
        return Jwts.builder()
                .subject("alice")
                .claim("workspaceId", "ws_1")
                .claim("role", "owner")
                .issuedAt(Date.from(now))
                .expiration(Date.from(now.plusSeconds(3600)));
    }

    static String hs256(Instant now) {
        return claims(now).signWith(hmacKey(), Jwts.SIG.HS256).compact();
    }

    static javax.crypto.SecretKey hmacKey() {
        return new javax.crypto.spec.SecretKeySpec(HMAC_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }

    /** base64url without padding, as in a JWS. */
    static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
