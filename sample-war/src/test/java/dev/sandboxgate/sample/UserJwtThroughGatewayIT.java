package dev.sandboxgate.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.jsonwebtoken.Jwts;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A user signs in at the company's identity provider and uses the official SDK with the JWT it got: the gateway
 * (configured only through the environment: JWT_JWKS_URL, JWT_HS256_SECRET, JWT_ISSUER, JWT_AUDIENCE) verifies it
 * against the IdP's published keys and lets the SDK work end to end against the real Sandbox Agent server. A tampered
 * or expired token gets a 401 with a precise problem type.
 */
class UserJwtThroughGatewayIT {
    private static final String ISSUER = "https://idp.example.test/realms/demo";
    private static final String AUDIENCE = "sandbox-gate";
    private static final String KID = "idp-2026-11";
    private static final String HS_SECRET = "it-shared-hmac-secret-" + java.util.UUID.randomUUID();
    private static final String WORKSPACE = "ws_sdk";

    private static final KeyPair IDP_KEYS = rsaKeyPair();

    @RegisterExtension
    @Order(1)
    static final PerClass<JwksEndpoint> idp = PerClass.start(() -> new JwksEndpoint(KID, IDP_KEYS.getPublic()));
    @RegisterExtension
    @Order(2)
    static final PerClass<SandboxAgentServer> sandbox = PerClass.start(SandboxAgentServer::start);
    @RegisterExtension
    @Order(3)
    static final PerClass<GatewayProcess> gateway = PerClass.start(() -> GatewayProcess.start(Map.of(
            "SANDBOX_URL", sandbox.get().url(),
            "SANDBOX_TOKEN", sandbox.get().token(),
            "JWT_JWKS_URL", idp.get().url(),
            "JWT_HS256_SECRET", HS_SECRET,
            "JWT_ISSUER", ISSUER,
            "JWT_AUDIENCE", AUDIENCE), List.of()));

    @AfterAll
    static void noSecretInTheGatewayOutput() throws Exception {
        assertThat(gateway.get().output()).as("gateway output").doesNotContain(sandbox.get().token())
                .doesNotContain(HS_SECRET).doesNotContain("eyJ");
    }

    private static KeyPair rsaKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What the IdP would issue: alice, owner of the workspace, for this gateway, valid for ten minutes. */
    private static io.jsonwebtoken.JwtBuilder alice(Instant now) {
        return Jwts.builder().issuer(ISSUER).audience().add(AUDIENCE).and()
                .subject("alice").claim("workspaceId", WORKSPACE).claim("role", "owner")
                .issuedAt(Date.from(now)).expiration(Date.from(now.plusSeconds(600)));
    }

    private static String rs256(Instant now) {
        return alice(now).header().keyId(KID).and().signWith(IDP_KEYS.getPrivate(), Jwts.SIG.RS256).compact();
    }

    private static SdkFlow.Run sdk(String token, String... args) throws Exception {
        return SdkFlow.run(gateway.get().baseUrl(WORKSPACE), token, args);
    }

    @Test
    void sdkWorksThroughTheGatewayWithAUsersJwtFromTheIdentityProvider() throws Exception {
        SdkFlow.Run run = sdk(rs256(Instant.now()), "--fs-root", sandbox.get().scratch().resolve("jwt-rs").toString());
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.stepNames()).containsExactly("health", "agents", "session", "fs", "process", "mcp", "close");
        assertThat(run.steps()).allMatch(step -> step.contains("\"ok\":true"));
        assertThat(idp.get().fetches()).as("JWKS fetches").isBetween(1, 2);
    }

    @Test
    void sdkWorksWithAJwtSignedWithTheSharedSecret() throws Exception {
        String token = alice(Instant.now()).signWith(new SecretKeySpec(HS_SECRET.getBytes(StandardCharsets.UTF_8),
                "HmacSHA256"), Jwts.SIG.HS256).compact();
        SdkFlow.Run run = sdk(token, "--fs-root", sandbox.get().scratch().resolve("jwt-hs").toString());
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.steps()).hasSize(7).allMatch(step -> step.contains("\"ok\":true"));
    }

    @Test
    void aTamperedJwtGets401() throws Exception {
        String[] parts = rs256(Instant.now()).split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("alice", "mallory");
        String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        SdkFlow.Run run = sdk(tampered, "--expect-unauthorized");
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("\"step\":\"unauthorized\"").contains("\"status\":401")
                .contains("urn:sandbox-gate:problem:token-signature-invalid")
                .contains("application/problem+json");
    }

    @Test
    void anExpiredJwtGets401AsExpired() throws Exception {
        String expired = alice(Instant.now().minusSeconds(3600)).header().keyId(KID).and()
                .signWith(IDP_KEYS.getPrivate(), Jwts.SIG.RS256).compact();
        SdkFlow.Run run = sdk(expired, "--expect-unauthorized");
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("urn:sandbox-gate:problem:token-expired");
    }

    @Test
    void aJwtForAnotherAudienceGets401() throws Exception {
        String elsewhere = Jwts.builder().issuer(ISSUER).audience().add("billing").and().subject("alice")
                .expiration(Date.from(Instant.now().plusSeconds(600))).header().keyId(KID).and()
                .signWith(IDP_KEYS.getPrivate(), Jwts.SIG.RS256).compact();
        SdkFlow.Run run = sdk(elsewhere, "--expect-unauthorized");
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("urn:sandbox-gate:problem:token-audience-invalid");
    }
}
