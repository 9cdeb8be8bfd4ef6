package dev.sandboxgate.filter.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxgate.filter.Authentication;
import dev.sandboxgate.filter.ConfigurationException;
import dev.sandboxgate.filter.ProblemType;
import dev.sandboxgate.filter.SandboxPrincipal;
import dev.sandboxgate.filter.Settings;
import dev.sandboxgate.filter.WorkspaceRole;
import io.jsonwebtoken.Jwts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JWT bearer tokens with real keys and real signatures; time is a {@link MutableClock}. */
class JwtAuthenticatorTest {
    private static final Instant T0 = Instant.parse("2026-01-01T12:00:00Z");
    private static final KeyPair RSA = TestKeys.rsa();
    private static final KeyPair OTHER_RSA = TestKeys.rsa();
    private static final KeyPair EC = TestKeys.ec256();

    private final MutableClock clock = new MutableClock(T0);

    static Settings settings(Map<String, String> params) {
        return Settings.of("SandboxAuthFilter", params::get, n -> null, n -> null);
    }

    private JwtAuthenticator jwt(Map<String, String> params) {
        return JwtAuthenticator.from(settings(params), clock);
    }

    private JwtAuthenticator hmac(String... more) {
        Map<String, String> params = new HashMap<>(Map.of("jwt-hmac-secret", TestKeys.HMAC_SECRET));
        for (int i = 0; i < more.length; i += 2) {
            params.put(more[i], more[i + 1]);
        }
        return jwt(params);
    }

    private JwtAuthenticator rsaPem(String... more) {
        Map<String, String> params = new HashMap<>(Map.of("jwt-public-keys", TestKeys.pem(RSA.getPublic())));
        for (int i = 0; i < more.length; i += 2) {
            params.put(more[i], more[i + 1]);
        }
        return jwt(params);
    }

    private static Authentication auth(JwtAuthenticator authenticator, String token) {
        return authenticator.authenticate(FakeRequest.bearer(token).build());
    }

    private static SandboxPrincipal accepted(Authentication result) {
        assertThat(result).isInstanceOf(Authentication.Authenticated.class);
        return ((Authentication.Authenticated) result).principal();
    }

    private static void refused(Authentication result, ProblemType type, String token) {
        assertThat(result).isInstanceOf(Authentication.Rejected.class);
        Authentication.Rejected rejected = (Authentication.Rejected) result;
        assertThat(rejected.type()).isEqualTo(type);
        assertThat(rejected.detail()).doesNotContain(token).doesNotContain(TestKeys.HMAC_SECRET);
        for (String part : token.split("\\.")) {
            if (part.length() > 8) {
                assertThat(rejected.detail()).doesNotContain(part);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ success paths

    @Test
    void acceptsHs256TokenInTheSeedsShapeAsOwnerOfItsWorkspace() {
        SandboxPrincipal principal = accepted(auth(hmac(), TestKeys.hs256(T0)));
        assertThat(principal.subject()).isEqualTo("alice");
        assertThat(principal.authMethod()).isEqualTo("jwt");
        assertThat(principal.roleIn("ws_1")).hasValue(WorkspaceRole.OWNER);
        assertThat(principal.roleIn("ws_2")).isEmpty();
    }

    @Test
    void acceptsHs384AndHs512WhenTheSecretIsLongEnough() {
        JwtAuthenticator authenticator = hmac();
        SecretKeySpec key = new SecretKeySpec(TestKeys.HMAC_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA512");
        accepted(auth(authenticator, TestKeys.claims(T0).signWith(key, Jwts.SIG.HS384).compact()));
        accepted(auth(authenticator, TestKeys.claims(T0).signWith(key, Jwts.SIG.HS512).compact()));
    }

    @Test
    void acceptsBase64EncodedSecrets() {
        String base64 = java.util.Base64.getEncoder().encodeToString(
                TestKeys.HMAC_SECRET.getBytes(StandardCharsets.UTF_8));
        JwtAuthenticator authenticator = jwt(Map.of("jwt-hmac-secret", "base64:" + base64));
        accepted(auth(authenticator, TestKeys.hs256(T0)));
    }

    @Test
    void acceptsRs256AndPs256WithAPemPublicKey() {
        JwtAuthenticator authenticator = rsaPem();
        accepted(auth(authenticator, TestKeys.claims(T0).signWith(RSA.getPrivate(), Jwts.SIG.RS256).compact()));
        accepted(auth(authenticator, TestKeys.claims(T0).signWith(RSA.getPrivate(), Jwts.SIG.PS256).compact()));
    }

    @Test
    void acceptsEs256WithAPemFileAndPicksKeysByKid(@TempDir Path dir) throws Exception {
        Path ecFile = dir.resolve("ec.pem");
        Files.writeString(ecFile, TestKeys.pem(EC.getPublic()));
        JwtAuthenticator authenticator = jwt(Map.of("jwt-public-keys",
                "ec-1=" + ecFile + ", rsa-1=" + TestKeys.pem(RSA.getPublic())));
        accepted(auth(authenticator, TestKeys.claims(T0).header().keyId("ec-1").and()
                .signWith(EC.getPrivate(), Jwts.SIG.ES256).compact()));
        accepted(auth(authenticator, TestKeys.claims(T0).header().keyId("rsa-1").and()
                .signWith(RSA.getPrivate(), Jwts.SIG.RS256).compact()));
    }

    @Test
    void acceptsExpiredTokenWithinTheClockSkew() {
        String token = TestKeys.claims(T0).expiration(Date.from(T0.minusSeconds(20)))
                .signWith(TestKeys.hmacKey(), Jwts.SIG.HS256).compact();
        accepted(auth(hmac(), token));
    }

    @Test
    void acceptsNotBeforeWithinTheClockSkew() {
        String token = TestKeys.claims(T0).notBefore(Date.from(T0.plusSeconds(20)))
                .signWith(TestKeys.hmacKey(), Jwts.SIG.HS256).compact();
        accepted(auth(hmac(), token));
    }

    @Test
    void acceptsAnyConfiguredIssuerAndAnAudienceListContainingOurs() {
        JwtAuthenticator authenticator = hmac("jwt-issuer", "https://idp.example/a, https://idp.example/b",
                "jwt-audience", "sandbox-gate");
        String token = TestKeys.claims(T0).issuer("https://idp.example/b")
                .audience().add("other-api").add("sandbox-gate").and()
                .signWith(TestKeys.hmacKey(), Jwts.SIG.HS256).compact();
        accepted(auth(authenticator, token));
    }

    @Test
    void acceptsTokenWithoutExpiryOnlyWhenExpiryIsNotRequired() {
        String token = Jwts.builder().subject("job").signWith(TestKeys.hmacKey(), Jwts.SIG.HS256).compact();
        refused(auth(hmac(), token), ProblemType.TOKEN_CLAIMS_INVALID, token);
        accepted(auth(hmac("jwt-require-expiration", "false"), token));
    }

    // ------------------------------------------------------------------------------------------ failure reasons

    @Test
    void refusesUnsignedTokenWithAlgNone() {
        String token = TestKeys.b64("{\"alg\":\"none\"}") + "." + TestKeys.b64(
                "{\"sub\":\"mallory\",\"workspaceId\":\"ws_1\",\"role\":\"owner\",\"exp\":" + (T0.getEpochSecond() + 60)
                        + "}") + ".";
        refused(auth(hmac(), token), ProblemType.TOKEN_ALGORITHM_NOT_ALLOWED, token);
        refused(auth(rsaPem(), token), ProblemType.TOKEN_ALGORITHM_NOT_ALLOWED, token);
        String noneWithSignature = token + TestKeys.b64("sig");
        refused(auth(hmac(), noneWithSignature), ProblemType.TOKEN_ALGORITHM_NOT_ALLOWED, noneWithSignature);
    }

    @Test
    void refusesHs256SignedWithTheRsaPublicKeyAsHmacSecret() {
        // Algorithm confusion: the attacker knows the public key and signs an HS256 token with its bytes.
        SecretKeySpec publicKeyAsSecret = new SecretKeySpec(TestKeys.pem(RSA.getPublic())
                .getBytes(StandardCharsets.US_ASCII), "HmacSHA256");
        String forged = TestKeys.claims(T0).subject("mallory").signWith(publicKeyAsSecret, Jwts.SIG.HS256).compact();
        refused(auth(rsaPem(), forged), ProblemType.TOKEN_ALGORITHM_NOT_ALLOWED, forged);
        String forgedDer = TestKeys.claims(T0).subject("mallory").signWith(
                new SecretKeySpec(RSA.getPublic().getEncoded(), "HmacSHA256"), Jwts.SIG.HS256).compact();
        refused(auth(rsaPem(), forgedDer), ProblemType.TOKEN_ALGORITHM_NOT_ALLOWED, forgedDer);
        // With a shared secret configured as well, HS256 is verified with that secret only, never the public key.
        JwtAuthenticator both = jwt(Map.of("jwt-hmac-secret", TestKeys.HMAC_SECRET,
                "jwt-public-keys", TestKeys.pem(RSA.getPublic())));
        refused(auth(both, forged), ProblemType.TOKEN_SIGNATURE_INVALID, forged);
    }

    @Test
    void refusesAlgorithmsOffTheAllowList() {
        JwtAuthenticator rs256Only = rsaPem("jwt-algorithms", "RS256");
        String ps256 = TestKeys.claims(T0).signWith(RSA.getPrivate(), Jwts.SIG.PS256).compact();
        refused(auth(rs256Only, ps256), ProblemType.TOKEN_ALGORITHM_NOT_ALLOWED, ps256);
        String unknownAlg = TestKeys.b64("{\"alg\":\"HS999\"}") + "." + TestKeys.b64("{\"sub\":\"x\"}") + ".c2ln";
        refused(auth(hmac(), unknownAlg), ProblemType.TOKEN_ALGORITHM_NOT_ALLOWED, unknownAlg);
    }

    @Test
    void refusesTokenWhoseAlgorithmDoesNotFitTheKeyItNames() {
        JwtAuthenticator authenticator = jwt(Map.of("jwt-public-keys", "ec-1=" + TestKeys.pem(EC.getPublic())));
        String rsaSignedNamingEcKey = TestKeys.claims(T0).header().keyId("ec-1").and()
                .signWith(RSA.getPrivate(), Jwts.SIG.RS256).compact();
        refused(auth(authenticator, rsaSignedNamingEcKey), ProblemType.TOKEN_ALGORITHM_NOT_ALLOWED,
                rsaSignedNamingEcKey);
    }

    @Test
    void refusesBadSignatures() {
        String otherKey = TestKeys.claims(T0).signWith(OTHER_RSA.getPrivate(), Jwts.SIG.RS256).compact();
        refused(auth(rsaPem(), otherKey), ProblemType.TOKEN_SIGNATURE_INVALID, otherKey);

        String good = TestKeys.hs256(T0);
        String[] parts = good.split("\\.");
        String tamperedPayload = parts[0] + "." + TestKeys.b64("{\"sub\":\"alice\",\"workspaceId\":\"ws_9\","
                + "\"role\":\"owner\",\"exp\":" + (T0.getEpochSecond() + 60) + "}") + "." + parts[2];
        refused(auth(hmac(), tamperedPayload), ProblemType.TOKEN_SIGNATURE_INVALID, tamperedPayload);
        char last = parts[2].charAt(0);
        String tamperedSignature = parts[0] + "." + parts[1] + "." + (last == 'A' ? 'B' : 'A')
                + parts[2].substring(1);
        refused(auth(hmac(), tamperedSignature), ProblemType.TOKEN_SIGNATURE_INVALID, tamperedSignature);
    }

    @Test
    void refusesExpiredTokenBeyondTheClockSkew() {
        String token = TestKeys.claims(T0).expiration(Date.from(T0.minusSeconds(31)))
                .signWith(TestKeys.hmacKey(), Jwts.SIG.HS256).compact();
        refused(auth(hmac(), token), ProblemType.TOKEN_EXPIRED, token);
        refused(auth(hmac("jwt-clock-skew", "0s"), TestKeys.claims(T0).expiration(Date.from(T0.minusSeconds(1)))
                .signWith(TestKeys.hmacKey(), Jwts.SIG.HS256).compact()), ProblemType.TOKEN_EXPIRED, "zz-none");
    }

    @Test
    void refusesTokenNotYetValid() {
        String token = TestKeys.claims(T0).notBefore(Date.from(T0.plusSeconds(120)))
                .signWith(TestKeys.hmacKey(), Jwts.SIG.HS256).compact();
        refused(auth(hmac(), token), ProblemType.TOKEN_NOT_YET_VALID, token);
    }

    @Test
    void refusesWrongOrMissingIssuer() {
        JwtAuthenticator authenticator = hmac("jwt-issuer", "https://idp.example");
        String wrong = TestKeys.claims(T0).issuer("https://evil.example").signWith(TestKeys.hmacKey(),
                Jwts.SIG.HS256).compact();
        refused(auth(authenticator, wrong), ProblemType.TOKEN_ISSUER_INVALID, wrong);
        String missing = TestKeys.hs256(T0);
        refused(auth(authenticator, missing), ProblemType.TOKEN_ISSUER_INVALID, missing);
    }

    @Test
    void refusesWrongOrMissingAudience() {
        JwtAuthenticator authenticator = hmac("jwt-audience", "sandbox-gate");
        String wrong = TestKeys.claims(T0).audience().add("billing-api").and()
                .signWith(TestKeys.hmacKey(), Jwts.SIG.HS256).compact();
        refused(auth(authenticator, wrong), ProblemType.TOKEN_AUDIENCE_INVALID, wrong);
        String missing = TestKeys.hs256(T0);
        refused(auth(authenticator, missing), ProblemType.TOKEN_AUDIENCE_INVALID, missing);
    }

    @Test
    void refusesMalformedTokens() {
        JwtAuthenticator authenticator = hmac();
        String header = TestKeys.b64("{\"alg\":\"HS256\"}");
        for (String token : new String[] {
            header + ".%%%not-base64%%%.c2ln",
            TestKeys.b64("{\"alg\":\"HS256\"") + "." + TestKeys.b64("{}") + ".c2ln",
            header + "." + TestKeys.b64("[1,2]") + ".c2ln",
            header + "." + TestKeys.b64("{\"sub\":\"x\"}") + ".",
            "eyJ" + ".." }) {
            Authentication result = auth(authenticator, token);
            assertThat(result).as(token).isInstanceOf(Authentication.Rejected.class);
            assertThat(((Authentication.Rejected) result).type()).as(token)
                    .isIn(ProblemType.TOKEN_MALFORMED, ProblemType.TOKEN_SIGNATURE_INVALID);
        }
        refused(auth(authenticator, "eyJ%%%.e30.c2ln"), ProblemType.TOKEN_MALFORMED, "zz-none");
        String signedButNotClaims = Jwts.builder().content("not claims".getBytes(StandardCharsets.UTF_8))
                .signWith(TestKeys.hmacKey(), Jwts.SIG.HS256).compact();
        refused(auth(authenticator, signedButNotClaims), ProblemType.TOKEN_MALFORMED, signedButNotClaims);
        String jwe = TestKeys.b64("{\"alg\":\"dir\",\"enc\":\"A128GCM\"}") + ".a.b.c.d";
        refused(auth(authenticator, jwe), ProblemType.TOKEN_MALFORMED, jwe);
    }

    @Test
    void refusesTokensOverTheSizeLimitWithoutParsingThem() {
        String big = TestKeys.claims(T0).claim("padding", "x".repeat(9000))
                .signWith(TestKeys.hmacKey(), Jwts.SIG.HS256).compact();
        refused(auth(hmac(), big), ProblemType.TOKEN_TOO_LARGE, big);
        accepted(auth(hmac("jwt-max-token-size", "16KiB"), big));
        String garbage = "eyJ" + "A".repeat(10_000) + ".x.y";
        refused(auth(hmac(), garbage), ProblemType.TOKEN_TOO_LARGE, garbage);
    }

    @Test
    void refusesTokenNamingAKeyNobodyConfigured() {
        JwtAuthenticator authenticator = jwt(Map.of("jwt-public-keys", "main=" + TestKeys.pem(RSA.getPublic())));
        String token = TestKeys.claims(T0).header().keyId("rotated-away").and()
                .signWith(RSA.getPrivate(), Jwts.SIG.RS256).compact();
        refused(auth(authenticator, token), ProblemType.TOKEN_KEY_UNKNOWN, token);
    }

    @Test
    void refusesTokenWithoutSubject() {
        String token = Jwts.builder().claim("workspaceId", "ws_1").expiration(Date.from(T0.plusSeconds(60)))
                .signWith(TestKeys.hmacKey(), Jwts.SIG.HS256).compact();
        refused(auth(hmac(), token), ProblemType.TOKEN_CLAIMS_INVALID, token);
    }

    @Test
    void leavesOpaqueBearerTokensToOtherAuthenticators() {
        JwtAuthenticator authenticator = hmac();
        for (String opaque : new String[] {"sgk_abc123", "eyJhbGciOi", "ey.only.one.dot.too.many.x", "abc.def.ghi"}) {
            assertThat(auth(authenticator, opaque)).as(opaque).isSameAs(Authentication.NOT_RECOGNISED);
        }
        assertThat(authenticator.authenticate(new FakeRequest().build())).isSameAs(Authentication.NOT_RECOGNISED);
        assertThat(authenticator.authenticate(new FakeRequest().header("Authorization", "Basic eyJ.a.b").build()))
                .isSameAs(Authentication.NOT_RECOGNISED);
    }

    // ------------------------------------------------------------------------------------------ claim mapping

    @Test
    void mapsAWorkspacesMapClaimKeepingTheStrongestRolePerWorkspace() {
        String token = TestKeys.claims(T0).claim("workspaceId", "ws_1").claim("role", "viewer")
                .claim("workspaces", Map.of("ws_1", "OWNER", "ws_2", "viewer", "bad id!", "owner", "ws_3", "admin"))
                .signWith(TestKeys.hmacKey(), Jwts.SIG.HS256).compact();
        SandboxPrincipal principal = accepted(auth(hmac(), token));
        assertThat(principal.workspaceRoles()).containsOnly(
                Map.entry("ws_1", WorkspaceRole.OWNER), Map.entry("ws_2", WorkspaceRole.VIEWER));
    }

    @Test
    void mapsKeycloakNestedRolesByPattern() {
        JwtAuthenticator authenticator = hmac("jwt-roles-claim", "realm_access.roles");
        String token = Jwts.builder().subject("kc-user").expiration(Date.from(T0.plusSeconds(60)))
                .claim("realm_access", Map.of("roles", List.of("offline_access", "sandbox:ws_1:owner",
                        "sandbox:ws_2:member", "sandbox:*:viewer", "sandbox:ws_3:admin")))
                .signWith(TestKeys.hmacKey(), Jwts.SIG.HS256).compact();
        SandboxPrincipal principal = accepted(auth(authenticator, token));
        assertThat(principal.workspaceRoles()).containsOnly(
                Map.entry("ws_1", WorkspaceRole.OWNER), Map.entry("ws_2", WorkspaceRole.MEMBER));
        assertThat(principal.everyWorkspace()).isEqualTo(WorkspaceRole.VIEWER);
        assertThat(principal.roleIn("ws_9")).hasValue(WorkspaceRole.VIEWER);
    }

    @Test
    void mapsClientRolesThroughAJsonPointerAndACustomPattern() {
        JwtAuthenticator authenticator = hmac("jwt-roles-claim", "/resource_access/sandbox.gate/roles",
                "jwt-role-pattern", "{role}@{workspace}", "jwt-subject-claim", "preferred_username");
        String token = Jwts.builder().claim("preferred_username", "bob").expiration(Date.from(T0.plusSeconds(60)))
                .claim("resource_access", Map.of("sandbox.gate", Map.of("roles", List.of("member@ws_7"))))
                .signWith(TestKeys.hmacKey(), Jwts.SIG.HS256).compact();
        SandboxPrincipal principal = accepted(auth(authenticator, token));
        assertThat(principal.subject()).isEqualTo("bob");
        assertThat(principal.workspaceRoles()).containsOnly(Map.entry("ws_7", WorkspaceRole.MEMBER));
    }

    // ------------------------------------------------------------------------------------------ cache

    @Test
    void aRepeatedTokenIsALookupNotASignatureCheck() {
        JwtAuthenticator authenticator = hmac();
        String token = TestKeys.hs256(T0);
        accepted(auth(authenticator, token));
        accepted(auth(authenticator, token));
        accepted(auth(authenticator, token));
        assertThat(authenticator.verifications()).isEqualTo(1);
    }

    @Test
    void aCachedTokenNeverOutlivesItsExpiry() {
        JwtAuthenticator authenticator = hmac();
        String token = TestKeys.claims(T0).expiration(Date.from(T0.plusSeconds(60)))
                .signWith(TestKeys.hmacKey(), Jwts.SIG.HS256).compact();
        accepted(auth(authenticator, token));
        clock.advance(Duration.ofSeconds(59));
        accepted(auth(authenticator, token));
        assertThat(authenticator.verifications()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(2)); // past exp, within skew: the cache no longer answers
        accepted(auth(authenticator, token));
        assertThat(authenticator.verifications()).isEqualTo(2);
        clock.advance(Duration.ofSeconds(30)); // past exp + skew
        refused(auth(authenticator, token), ProblemType.TOKEN_EXPIRED, token);
    }

    @Test
    void theCacheIsBoundedAndCanBeTurnedOff() {
        JwtAuthenticator bounded = hmac("jwt-cache", "maximumSize=2");
        for (int i = 0; i < 20; i++) {
            accepted(auth(bounded, TestKeys.claims(T0).id("t" + i).signWith(TestKeys.hmacKey(), Jwts.SIG.HS256)
                    .compact()));
        }
        assertThat(bounded.cache().size()).isLessThanOrEqualTo(2);

        JwtAuthenticator off = hmac("jwt-cache", "maximumSize=0");
        String token = TestKeys.hs256(T0);
        accepted(auth(off, token));
        accepted(auth(off, token));
        assertThat(off.verifications()).isEqualTo(2);
    }

    @Test
    void refusedTokensAreNotCached() {
        JwtAuthenticator authenticator = hmac("jwt-issuer", "https://idp.example");
        String token = TestKeys.hs256(T0);
        refused(auth(authenticator, token), ProblemType.TOKEN_ISSUER_INVALID, token);
        refused(auth(authenticator, token), ProblemType.TOKEN_ISSUER_INVALID, token);
        assertThat(authenticator.cache().size()).isZero();
    }

    // ------------------------------------------------------------------------------------------ configuration

    @Test
    void refusesAShortSecretWithoutEchoingIt() {
        assertThatThrownBy(() -> jwt(Map.of("jwt-hmac-secret", "too-short-secret-1234")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'jwt-hmac-secret'")
                .hasMessageContaining("32 bytes")
                .hasMessageNotContaining("too-short-secret-1234");
    }

    @Test
    void refusesAlgorithmListsThatCouldLetForgedTokensIn() {
        assertThatThrownBy(() -> hmac("jwt-algorithms", "HS256,none"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'jwt-algorithms'")
                .hasMessageContaining("none");
        assertThatThrownBy(() -> rsaPem("jwt-algorithms", "RS256,HS256"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("HS256 needs jwt-hmac-secret");
        assertThatThrownBy(() -> hmac("jwt-algorithms", "RS256"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("jwt-public-keys or jwt-jwks-url");
        assertThatThrownBy(() -> jwt(Map.of("jwt-hmac-secret", "x".repeat(40), "jwt-algorithms", "HS512")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("at least 64 bytes");
        assertThatThrownBy(() -> hmac("jwt-algorithms", "HS257"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("HS257");
    }

    @Test
    void refusesUnusableKeysAndUrls() {
        KeyPair weak = weakRsa();
        assertThatThrownBy(() -> jwt(Map.of("jwt-public-keys", TestKeys.pem(weak.getPublic()))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("2048");
        String privatePem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----";
        assertThatThrownBy(() -> jwt(Map.of("jwt-public-keys", privatePem)))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("never configure a private key")
                .hasMessageNotContaining("AAAA");
        assertThatThrownBy(() -> jwt(Map.of("jwt-public-keys", "/no/such/key.pem")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("/no/such/key.pem");
        assertThatThrownBy(() -> jwt(Map.of("jwt-jwks-url", "ftp://idp.example/jwks")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'jwt-jwks-url'");
        assertThatThrownBy(() -> hmac("jwt-cache", "maximumSize=lots"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'jwt-cache'");
        assertThatThrownBy(() -> hmac("jwt-role-pattern", "sandbox:{workspace}"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'jwt-role-pattern'");
    }

    private static KeyPair weakRsa() {
        try {
            java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
            generator.initialize(1024);
            return generator.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
