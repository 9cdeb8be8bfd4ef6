package dev.sandboxgate.filter.auth;

import static dev.sandboxgate.filter.auth.JwksServer.key;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.Authentication;
import dev.sandboxgate.filter.ProblemType;
import io.jsonwebtoken.Jwts;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * JWT verification against a JWKS endpoint served on loopback by the test: rotation, random {@code kid}s, and an
 * identity provider that goes down. Time is a {@link MutableClock}; nothing sleeps to let a cooldown pass.
 */
class JwksKeySourceTest {
    private static final Instant T0 = Instant.parse("2026-01-01T12:00:00Z");
    private static final Duration COOLDOWN = Duration.ofSeconds(30);
    private static final KeyPair RSA_1 = TestKeys.rsa();
    private static final KeyPair RSA_2 = TestKeys.rsa();
    private static final KeyPair EC = TestKeys.ec256();

    private final MutableClock clock = new MutableClock(T0);
    private final JwksServer idp = new JwksServer();

    JwksKeySourceTest() throws Exception {
    }

    @AfterEach
    void stopIdp() {
        idp.close();
    }

    private JwtAuthenticator jwt(String... more) {
        Map<String, String> params = new HashMap<>(Map.of("jwt-jwks-url", idp.url(), "jwt-jwks-timeout", "2s"));
        for (int i = 0; i < more.length; i += 2) {
            params.put(more[i], more[i + 1]);
        }
        return JwtAuthenticator.from(JwtAuthenticatorTest.settings(params), clock);
    }

    private String rs256(KeyPair keys, String kid) {
        return TestKeys.claims(clock.instant()).header().keyId(kid).and()
                .signWith(keys.getPrivate(), Jwts.SIG.RS256).compact();
    }

    private static Authentication auth(JwtAuthenticator authenticator, String token) {
        return authenticator.authenticate(FakeRequest.bearer(token).build());
    }

    private static ProblemType refusal(Authentication result) {
        return result instanceof Authentication.Rejected r ? r.type() : null;
    }

    @Test
    void verifiesRs256AndEs256TokensWithPublishedKeys() {
        idp.publish(key("rsa-1", RSA_1.getPublic()), key("ec-1", EC.getPublic()));
        JwtAuthenticator authenticator = jwt();
        assertThat(auth(authenticator, rs256(RSA_1, "rsa-1"))).isInstanceOf(Authentication.Authenticated.class);
        String es256 = TestKeys.claims(T0).header().keyId("ec-1").and().signWith(EC.getPrivate(), Jwts.SIG.ES256)
                .compact();
        assertThat(auth(authenticator, es256)).isInstanceOf(Authentication.Authenticated.class);
        String ps256 = TestKeys.claims(T0).header().keyId("rsa-1").and().signWith(RSA_1.getPrivate(),
                Jwts.SIG.PS256).compact();
        assertThat(auth(authenticator, ps256)).isInstanceOf(Authentication.Authenticated.class);
        assertThat(idp.fetches()).isEqualTo(1);
    }

    @Test
    void aTokenWithoutKidUsesTheOnlyPublishedKeyThatFits() {
        idp.publish(key("rsa-1", RSA_1.getPublic()), key("ec-1", EC.getPublic()));
        JwtAuthenticator authenticator = jwt();
        String noKid = TestKeys.claims(T0).signWith(RSA_1.getPrivate(), Jwts.SIG.RS256).compact();
        assertThat(auth(authenticator, noKid)).isInstanceOf(Authentication.Authenticated.class);
    }

    @Test
    void thousandTokensWithRandomKidsCauseAtMostOneFetchPerCooldown() {
        idp.publish(key("rsa-1", RSA_1.getPublic()));
        JwtAuthenticator authenticator = jwt("jwt-jwks-cooldown", "30s");
        assertThat(auth(authenticator, rs256(RSA_1, "rsa-1"))).isInstanceOf(Authentication.Authenticated.class);
        int before = idp.fetches();
        assertThat(before).isEqualTo(1);

        // 1,000 tokens with random kids, all at once: the fetch made at start-up covers them all.
        for (int i = 0; i < 1_000; i++) {
            String token = rs256(RSA_1, UUID.randomUUID().toString());
            assertThat(refusal(auth(authenticator, token))).isEqualTo(ProblemType.TOKEN_KEY_UNKNOWN);
        }
        assertThat(idp.fetches()).isEqualTo(before);

        // 1,000 more spread over 100 s: at most one fetch per 30 s cooldown.
        Instant start = clock.instant();
        for (int i = 0; i < 1_000; i++) {
            clock.advance(Duration.ofMillis(100));
            assertThat(refusal(auth(authenticator, rs256(RSA_1, "random-" + i))))
                    .isEqualTo(ProblemType.TOKEN_KEY_UNKNOWN);
        }
        long cooldowns = Duration.between(start, clock.instant()).dividedBy(COOLDOWN);
        assertThat(idp.fetches() - before).isBetween(1, (int) cooldowns + 1);
        assertThat(auth(authenticator, rs256(RSA_1, "rsa-1"))).isInstanceOf(Authentication.Authenticated.class);
    }

    @Test
    void concurrentUnknownKidsShareOneFetch() throws Exception {
        idp.publish(key("rsa-1", RSA_1.getPublic()));
        JwtAuthenticator authenticator = jwt();
        assertThat(auth(authenticator, rs256(RSA_1, "rsa-1"))).isInstanceOf(Authentication.Authenticated.class);
        clock.advance(COOLDOWN);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Authentication>> results = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String token = rs256(RSA_1, "k-" + i);
                results.add(pool.submit(() -> auth(authenticator, token)));
            }
            for (Future<Authentication> result : results) {
                assertThat(refusal(result.get(10, TimeUnit.SECONDS))).isEqualTo(ProblemType.TOKEN_KEY_UNKNOWN);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(idp.fetches()).isEqualTo(2);
    }

    @Test
    void aRotatedKeyIsAcceptedAfterRefreshAndTheRetiredOneIsNot() {
        idp.publish(key("2026-01", RSA_1.getPublic()));
        JwtAuthenticator authenticator = jwt();
        String oldToken = rs256(RSA_1, "2026-01");
        assertThat(auth(authenticator, oldToken)).isInstanceOf(Authentication.Authenticated.class);

        idp.publish(key("2026-02", RSA_2.getPublic())); // the IdP rotates and retires the old key
        clock.advance(COOLDOWN);
        String newToken = rs256(RSA_2, "2026-02");
        assertThat(auth(authenticator, newToken)).isInstanceOf(Authentication.Authenticated.class);
        assertThat(idp.fetches()).isEqualTo(2);
        // The verified-token cache was cleared with the retired key: the old token no longer passes.
        assertThat(refusal(auth(authenticator, oldToken))).isEqualTo(ProblemType.TOKEN_KEY_UNKNOWN);
    }

    @Test
    void aRotationWithinTheCooldownIsAcceptedOnceTheCooldownHasPassed() {
        idp.publish(key("a", RSA_1.getPublic()));
        JwtAuthenticator authenticator = jwt();
        assertThat(auth(authenticator, rs256(RSA_1, "a"))).isInstanceOf(Authentication.Authenticated.class);
        idp.publish(key("a", RSA_1.getPublic()), key("b", RSA_2.getPublic()));
        clock.advance(Duration.ofSeconds(5));
        assertThat(refusal(auth(authenticator, rs256(RSA_2, "b")))).isEqualTo(ProblemType.TOKEN_KEY_UNKNOWN);
        clock.advance(COOLDOWN);
        assertThat(auth(authenticator, rs256(RSA_2, "b"))).isInstanceOf(Authentication.Authenticated.class);
    }

    @Test
    void cachedKeysKeepVerifyingWhileTheIdpIsDown() {
        idp.publish(key("rsa-1", RSA_1.getPublic()));
        JwtAuthenticator authenticator = jwt("jwt-jwks-refresh", "10m");
        assertThat(auth(authenticator, rs256(RSA_1, "rsa-1"))).isInstanceOf(Authentication.Authenticated.class);
        idp.close();

        clock.advance(Duration.ofHours(2)); // far past the refresh interval: a background refresh fails
        for (int i = 0; i < 3; i++) {
            String fresh = TestKeys.claims(clock.instant()).id("t" + i).header().keyId("rsa-1").and()
                    .signWith(RSA_1.getPrivate(), Jwts.SIG.RS256).compact();
            assertThat(auth(authenticator, fresh)).isInstanceOf(Authentication.Authenticated.class);
            clock.advance(COOLDOWN);
        }
        long started = System.nanoTime();
        assertThat(refusal(auth(authenticator, rs256(RSA_1, "unknown"))))
                .isEqualTo(ProblemType.TOKEN_KEY_UNKNOWN);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(auth(authenticator, rs256(RSA_1, "rsa-1"))).isInstanceOf(Authentication.Authenticated.class);
    }

    @Test
    void anErrorOrGarbageFromTheIdpKeepsTheKeysHeld() {
        idp.publish(key("rsa-1", RSA_1.getPublic()));
        JwtAuthenticator authenticator = jwt();
        assertThat(auth(authenticator, rs256(RSA_1, "rsa-1"))).isInstanceOf(Authentication.Authenticated.class);
        for (String[] answer : new String[][] {{"500", "{\"keys\":[]}"}, {"200", "<html>not json</html>"},
            {"200", "{\"keys\":\"nope\"}"}}) {
            idp.answer(Integer.parseInt(answer[0]), answer[1]);
            clock.advance(COOLDOWN);
            assertThat(refusal(auth(authenticator, rs256(RSA_1, "other")))).isEqualTo(ProblemType.TOKEN_KEY_UNKNOWN);
            assertThat(auth(authenticator, TestKeys.claims(clock.instant()).id(answer[1]).header().keyId("rsa-1")
                    .and().signWith(RSA_1.getPrivate(), Jwts.SIG.RS256).compact()))
                    .as(answer[1]).isInstanceOf(Authentication.Authenticated.class);
        }
    }

    @Test
    void aKeyPinnedToAnAlgorithmVerifiesOnlyThatAlgorithm() {
        String pinned = "{\"keys\":[" + io.jsonwebtoken.security.Jwks.json(io.jsonwebtoken.security.Jwks.builder()
                .key(RSA_1.getPublic()).id("pinned").algorithm("RS256").build()) + "]}";
        idp.answer(200, pinned);
        JwtAuthenticator authenticator = jwt();
        assertThat(auth(authenticator, rs256(RSA_1, "pinned"))).isInstanceOf(Authentication.Authenticated.class);
        String ps256 = TestKeys.claims(T0).header().keyId("pinned").and().signWith(RSA_1.getPrivate(),
                Jwts.SIG.PS256).compact();
        assertThat(refusal(auth(authenticator, ps256))).isEqualTo(ProblemType.TOKEN_ALGORITHM_NOT_ALLOWED);
    }
}
