package dev.sandboxgate.benchmarks;

import dev.sandboxgate.filter.Authentication;
import dev.sandboxgate.filter.Authenticator;
import dev.sandboxgate.filter.Settings;
import dev.sandboxgate.filter.auth.Authenticators;
import io.jsonwebtoken.Jwts;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What authenticating one request with a JWT costs, through the public API exactly as the filter calls it
 * ({@link Authenticator#authenticate} on a request carrying {@code Authorization: Bearer <jwt>}):
 * <ul>
 *   <li>{@code cached}: a token seen before (the common case: an SDK sends the same token on every request): bearer
 *       parsing, SHA-256 of the token, a Caffeine lookup;
 *   <li>{@code uncached}: the verified-token cache turned off ({@code jwt-cache=maximumSize=0}), so every call
 *       parses and verifies the signature and claims.
 * </ul>
 * HS256 uses a 34-byte shared secret, RS256 a 2048-bit RSA key configured as PEM; both tokens carry the seed's claims.
 * Run: {@code java -jar benchmarks/target/benchmarks.jar} (see BENCHMARKS.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
// jjwt and Jackson take several seconds of C2 compilation on two cores before the uncached path is steady.
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 1)
public class JwtVerificationBenchmark {

    @Param({"HS256", "RS256"})
    public String algorithm;

    private Authenticator cachedAuthenticator;
    private Authenticator uncachedAuthenticator;
    private HttpServletRequest request;

    @Setup
    public void setUp() throws Exception {
        Map<String, String> params = new HashMap<>();
        String token;
        io.jsonwebtoken.JwtBuilder claims = Jwts.builder().subject("alice").claim("workspaceId", "ws_1")
                .claim("role", "owner").issuedAt(new Date())
                .expiration(Date.from(Instant.now().plusSeconds(86_400)));
        if (algorithm.equals("HS256")) {
            String secret = "benchmark-hmac-secret-of-32-bytes!";
            params.put("jwt-hmac-secret", secret);
            token = claims.signWith(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"),
                    Jwts.SIG.HS256).compact();
        } else {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair rsa = generator.generateKeyPair();
            params.put("jwt-public-keys", "-----BEGIN PUBLIC KEY-----\n"
                    + Base64.getMimeEncoder().encodeToString(rsa.getPublic().getEncoded())
                    + "\n-----END PUBLIC KEY-----");
            token = claims.signWith(rsa.getPrivate(), Jwts.SIG.RS256).compact();
        }
        cachedAuthenticator = authenticator(params);
        params.put("jwt-cache", "maximumSize=0");
        uncachedAuthenticator = authenticator(params);
        request = InMemoryRequest.of("GET", "/ws_1/v1/health", Map.of("Authorization", "Bearer " + token), null);
        for (Authenticator authenticator : new Authenticator[] {cachedAuthenticator, uncachedAuthenticator}) {
            if (!(authenticator.authenticate(request) instanceof Authentication.Authenticated)) {
                throw new IllegalStateException("the benchmark token does not verify");
            }
        }
    }

    private static Authenticator authenticator(Map<String, String> params) {
        Map<String, String> copy = Map.copyOf(params);
        Settings settings = Settings.of("benchmark", copy::get, name -> null, name -> null);
        return Authenticators.configure(settings).ordered().get(0);
    }

    @Benchmark
    public Authentication cached() {
        return cachedAuthenticator.authenticate(request);
    }

    @Benchmark
    public Authentication uncached() {
        return uncachedAuthenticator.authenticate(request);
    }
}
