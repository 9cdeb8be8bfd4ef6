package dev.sandboxgate.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.jsonwebtoken.Jwts;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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

    private static KeyPair idpKeys;
    private static JwksEndpoint idp;
    private static SandboxAgentServer sandbox;
    private static GatewayProcess gateway;

    @BeforeAll
    static void start() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        idpKeys = generator.generateKeyPair();
        idp = new JwksEndpoint(KID, idpKeys.getPublic());
        sandbox = SandboxAgentServer.start();
        gateway = GatewayProcess.start(Map.of(
                "SANDBOX_URL", sandbox.url(),
                "SANDBOX_TOKEN", sandbox.token(),
                "JWT_JWKS_URL", idp.url(),
                "JWT_HS256_SECRET", HS_SECRET,
                "JWT_ISSUER", ISSUER,
                "JWT_AUDIENCE", AUDIENCE), List.of());
    }

    @AfterAll
    static void stop() throws Exception {
        // Each started piece is stopped even when a later one failed to start.
        try {
            if (gateway != null) {
                assertThat(gateway.output()).as("gateway output").doesNotContain(sandbox.token())
                        .doesNotContain(HS_SECRET).doesNotContain("eyJ");
            }
        } finally {
            closeAll(gateway, sandbox, idp);
        }
    }

    /** Closes each one that was started, in order, even when closing another fails. */
    private static void closeAll(AutoCloseable... started) throws Exception {
        Exception first = null;
        for (AutoCloseable resource : started) {
            try {
                if (resource != null) {
                    resource.close();
                }
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** What the IdP would issue: alice, owner of the workspace, for this gateway, valid for ten minutes. */
    private static io.jsonwebtoken.JwtBuilder alice(Instant now) {
        return Jwts.builder().issuer(ISSUER).audience().add(AUDIENCE).and()
                .subject("alice").claim("workspaceId", WORKSPACE).claim("role", "owner")
                .issuedAt(Date.from(now)).expiration(Date.from(now.plusSeconds(600)));
    }

    private static String rs256(Instant now) {
        return alice(now).header().keyId(KID).and().signWith(idpKeys.getPrivate(), Jwts.SIG.RS256).compact();
    }

    private static SdkFlow.Run sdk(String token, String... args) throws Exception {
        return SdkFlow.run(gateway.baseUrl(WORKSPACE), token, args);
    }

    @Test
    void sdkWorksThroughTheGatewayWithAUsersJwtFromTheIdentityProvider() throws Exception {
        SdkFlow.Run run = sdk(rs256(Instant.now()), "--fs-root", sandbox.scratch().resolve("jwt-rs").toString());
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.stepNames()).containsExactly("health", "agents", "session", "fs", "process", "mcp", "close");
        assertThat(run.steps()).allMatch(step -> step.contains("\"ok\":true"));
        assertThat(idp.fetches()).as("JWKS fetches").isBetween(1, 2);
    }

    @Test
    void sdkWorksWithAJwtSignedWithTheSharedSecret() throws Exception {
        String token = alice(Instant.now()).signWith(new SecretKeySpec(HS_SECRET.getBytes(StandardCharsets.UTF_8),
                "HmacSHA256"), Jwts.SIG.HS256).compact();
        SdkFlow.Run run = sdk(token, "--fs-root", sandbox.scratch().resolve("jwt-hs").toString());
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
                .signWith(idpKeys.getPrivate(), Jwts.SIG.RS256).compact();
        SdkFlow.Run run = sdk(expired, "--expect-unauthorized");
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("urn:sandbox-gate:problem:token-expired");
    }

    @Test
    void aJwtForAnotherAudienceGets401() throws Exception {
        String elsewhere = Jwts.builder().issuer(ISSUER).audience().add("billing").and().subject("alice")
                .expiration(Date.from(Instant.now().plusSeconds(600))).header().keyId(KID).and()
                .signWith(idpKeys.getPrivate(), Jwts.SIG.RS256).compact();
        SdkFlow.Run run = sdk(elsewhere, "--expect-unauthorized");
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("urn:sandbox-gate:problem:token-audience-invalid");
    }
}
