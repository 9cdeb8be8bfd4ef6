package dev.sandboxgate.filter.auth;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.sandboxgate.filter.Authentication;
import dev.sandboxgate.filter.Authenticator;
import dev.sandboxgate.filter.ProblemType;
import dev.sandboxgate.filter.SandboxPrincipal;
import dev.sandboxgate.filter.Settings;
import io.jsonwebtoken.Claims;
import io.jsonwebtoken.ExpiredJwtException;
import io.jsonwebtoken.JwtException;
import io.jsonwebtoken.JwtParser;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.PrematureJwtException;
import io.jsonwebtoken.UnsupportedJwtException;
import io.jsonwebtoken.security.SecurityException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * JWT bearer tokens (JWS compact serialization, verified with jjwt). It recognises a bearer token by its shape (a
 * JOSE header, {@code ey...}, and two dots); a recognised token that fails any check is refused with the precise
 * reason, never handed on to the next authenticator.
 *
 * <p>Checks, in order: size; signature, with a key chosen by {@link JwtKeys} under the algorithm allow-list;
 * {@code exp} and {@code nbf} with the clock skew; {@code exp} present (unless {@code jwt-require-expiration=false});
 * {@code iss} and {@code aud} when configured; a subject. A token that passes is cached (see
 * {@link VerifiedTokenCache}).
 */
final class JwtAuthenticator implements Authenticator {
    static final String AUTH_METHOD = "jwt";
    static final String SECRET = "jwt-hmac-secret";
    static final String JWKS_URL = "jwt-jwks-url";
    static final List<String> KEY_PARAMS = List.of(SECRET, PemKeys.PARAM, JWKS_URL);
    /** Params that mean nothing without a key; setting one of them alone is a configuration error. */
    static final List<String> DEPENDENT_PARAMS = List.of("jwt-issuer", "jwt-audience", "jwt-algorithms");
    static final List<String> DEFAULT_ASYMMETRIC = List.of("RS256", "PS256", "ES256");
    static final CacheSpec DEFAULT_CACHE = new CacheSpec(10_000, Duration.ofMinutes(10));

    private static final JsonFactory JSON = new JsonFactory();

    private final JwtParser parser;
    private final JwtKeys keys;
    private final JwksKeySource jwks;
    private final Set<String> issuers;
    private final Set<String> audiences;
    private final boolean requireExpiration;
    private final long maxTokenChars;
    private final ClaimMapping mapping;
    private final VerifiedTokenCache cache;
    private final LongAdder verifications = new LongAdder();

    private JwtAuthenticator(Settings settings, Clock clock) {
        SecretKey secret = hmacSecret(settings);
        List<PemKeys.NamedKey> pemKeys = PemKeys.read(settings);
        URI jwksUrl = jwksUrl(settings);
        this.cache = new VerifiedTokenCache(CacheSpec.parse(settings, "jwt-cache", DEFAULT_CACHE), clock);
        this.jwks = jwksUrl == null ? null : new JwksKeySource(jwksUrl, clock,
                positive(settings, "jwt-jwks-refresh", Duration.ofMinutes(10)),
                positive(settings, "jwt-jwks-cooldown", Duration.ofSeconds(30)),
                positive(settings, "jwt-jwks-timeout", Duration.ofSeconds(5)),
                cache::clear);
        Set<String> allowed = algorithms(settings, secret, !pemKeys.isEmpty() || jwks != null);
        this.keys = new JwtKeys(allowed, secret, pemKeys, jwks);
        this.issuers = Set.copyOf(settings.list("jwt-issuer"));
        this.audiences = Set.copyOf(settings.list("jwt-audience"));
        this.requireExpiration = settings.bool("jwt-require-expiration", true);
        this.maxTokenChars = settings.size("jwt-max-token-size", 8 * 1024);
        this.mapping = ClaimMapping.from(settings);
        Duration skew = settings.duration("jwt-clock-skew", Duration.ofSeconds(30));
        this.parser = Jwts.parser()
                .keyLocator(keys)
                .clock(() -> new Date(clock.millis()))
                .clockSkewSeconds(skew.toSeconds())
                .sig().clear().add(allowed.stream().map(JwtAlgorithms.SUPPORTED::get).toList()).and()
                .build();
    }

    static boolean isConfigured(Settings settings) {
        return KEY_PARAMS.stream().anyMatch(p -> settings.optional(p).isPresent());
    }

    /** Built from the {@code jwt-*} init-params; starts fetching the JWKS, if one is configured. */
    static JwtAuthenticator from(Settings settings, Clock clock) {
        JwtAuthenticator authenticator = new JwtAuthenticator(settings, clock);
        if (authenticator.jwks != null) {
            authenticator.jwks.start();
        }
        return authenticator;
    }

    @Override
    public Authentication authenticate(HttpServletRequest request) {
        String token = BearerToken.from(request);
        if (token == null || !token.startsWith("ey")) {
            return Authentication.NOT_RECOGNISED;
        }
        int dots = 0;
        for (int i = 0; i < token.length(); i++) {
            if (token.charAt(i) == '.') {
                dots++;
            }
        }
        if (dots == 4) {
            return new Authentication.Rejected(ProblemType.TOKEN_MALFORMED, "Encrypted tokens (JWE) are not accepted.");
        }
        return dots == 2 ? verify(token) : Authentication.NOT_RECOGNISED;
    }

    /** Verifies a token of JWS shape. */
    Authentication verify(String token) {
        if (token.length() > maxTokenChars) {
            return new Authentication.Rejected(ProblemType.TOKEN_TOO_LARGE,
                    "The token is longer than the " + maxTokenChars + " bytes the gateway accepts.");
        }
        VerifiedTokenCache.Key cacheKey = cache.enabled() ? VerifiedTokenCache.keyOf(token) : null;
        if (cacheKey != null) {
            Authentication.Authenticated cached = cache.find(cacheKey);
            if (cached != null) {
                return cached;
            }
        }
        try {
            Claims claims = parser.parseSignedClaims(token).getPayload();
            verifications.increment();
            Instant exp = checkClaims(claims);
            SandboxPrincipal principal = mapping.principal(claims, AUTH_METHOD);
            if (cacheKey != null) {
                cache.remember(cacheKey, principal, exp);
            }
            return new Authentication.Authenticated(principal);
        } catch (TokenRefused refused) {
            return refused.rejection();
        } catch (ExpiredJwtException e) {
            return new Authentication.Rejected(ProblemType.TOKEN_EXPIRED, "The token has expired.");
        } catch (PrematureJwtException e) {
            return new Authentication.Rejected(ProblemType.TOKEN_NOT_YET_VALID,
                    "The token is not valid yet (nbf is in the future).");
        } catch (SecurityException e) {
            // A signature that does not verify, or an algorithm the parser does not offer (not on the allow-list).
            return algorithmRefusalOr(token, ProblemType.TOKEN_SIGNATURE_INVALID,
                    "The token's signature does not verify.");
        } catch (UnsupportedJwtException e) {
            // Unsigned ('none'), or a form the gateway does not accept.
            return algorithmRefusalOr(token, ProblemType.TOKEN_MALFORMED, "The token's form is not accepted.");
        } catch (JwtException | IllegalArgumentException e) {
            return new Authentication.Rejected(ProblemType.TOKEN_MALFORMED, "The token is not a well-formed JWS.");
        }
    }

    private Instant checkClaims(Claims claims) {
        Date exp = claims.getExpiration();
        if (exp == null && requireExpiration) {
            throw new TokenRefused(ProblemType.TOKEN_CLAIMS_INVALID, "The token has no expiry (exp).");
        }
        String iss = claims.getIssuer();
        if (!issuers.isEmpty() && (iss == null || !issuers.contains(iss))) {
            throw new TokenRefused(ProblemType.TOKEN_ISSUER_INVALID, "The token's issuer (iss) is not accepted.");
        }
        if (!audiences.isEmpty()) {
            Set<String> aud = claims.getAudience();
            if (aud == null || aud.stream().noneMatch(a -> a != null && audiences.contains(a))) {
                throw new TokenRefused(ProblemType.TOKEN_AUDIENCE_INVALID,
                        "The token is not meant for this gateway (aud).");
            }
        }
        return exp == null ? null : exp.toInstant();
    }

    /** On the failure path only: refuses for the algorithm when the header names one not allowed here. */
    private Authentication algorithmRefusalOr(String token, ProblemType otherwise, String detail) {
        String alg = headerAlgorithm(token);
        if (alg == null || !keys.allowed().contains(alg)) {
            return JwtKeys.notAllowed().rejection();
        }
        return new Authentication.Rejected(otherwise, detail);
    }

    /** The {@code alg} of a token's header, or null when the header cannot be read. */
    static String headerAlgorithm(String token) {
        int dot = token.indexOf('.');
        if (dot <= 0) {
            return null;
        }
        try {
            byte[] header = Base64.getUrlDecoder().decode(token.substring(0, dot));
            try (JsonParser json = JSON.createParser(header)) {
                if (json.nextToken() != JsonToken.START_OBJECT) {
                    return null;
                }
                while (json.nextToken() == JsonToken.FIELD_NAME) {
                    String name = json.currentName();
                    JsonToken value = json.nextToken();
                    if (name.equals("alg")) {
                        return value == JsonToken.VALUE_STRING ? json.getText() : null;
                    }
                    json.skipChildren();
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
        return null;
    }

    long verifications() {
        return verifications.sum();
    }

    VerifiedTokenCache cache() {
        return cache;
    }

    // ------------------------------------------------------------------------------------------- configuration

    private static SecretKey hmacSecret(Settings settings) {
        String value = settings.optional(SECRET).orElse(null);
        if (value == null) {
            return null;
        }
        byte[] bytes;
        if (value.startsWith("base64:")) {
            try {
                bytes = Base64.getDecoder().decode(value.substring("base64:".length()));
            } catch (IllegalArgumentException e) {
                throw settings.invalid(SECRET, null, "valid base64 after 'base64:' (value not shown: a secret)");
            }
        } else {
            bytes = value.getBytes(StandardCharsets.UTF_8);
        }
        if (bytes.length < 32) {
            throw settings.invalid(SECRET, null, "a secret of at least 32 bytes (256 bits), as HS256 requires "
                    + "(value not shown: a secret)");
        }
        return new SecretKeySpec(bytes, "HmacSHA256");
    }

    private static URI jwksUrl(Settings settings) {
        String value = settings.optional(JWKS_URL).orElse(null);
        if (value == null) {
            return null;
        }
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("https") || scheme.equals("http")) && uri.getHost() != null
                    && uri.getRawUserInfo() == null && uri.getRawFragment() == null) {
                return uri;
            }
        } catch (URISyntaxException ignored) {
            // reported below
        }
        throw settings.invalid(JWKS_URL, value, "an absolute http(s) URL without user info or fragment");
    }

    private static Set<String> algorithms(Settings settings, SecretKey secret, boolean publicKeys) {
        List<String> configured = settings.list("jwt-algorithms");
        List<String> wanted = new ArrayList<>(configured);
        if (wanted.isEmpty()) {
            if (secret != null) {
                for (String hs : List.of("HS256", "HS384", "HS512")) {
                    if (secret.getEncoded().length >= JwtAlgorithms.hmacKeyBytes(hs)) {
                        wanted.add(hs);
                    }
                }
            }
            if (publicKeys) {
                wanted.addAll(DEFAULT_ASYMMETRIC);
            }
        }
        Set<String> allowed = new LinkedHashSet<>();
        for (String alg : wanted) {
            String shown = String.join(",", configured);
            if (alg.equalsIgnoreCase("none")) {
                throw settings.invalid("jwt-algorithms", shown, "allowed to name 'none': unsigned tokens are "
                        + "never accepted");
            }
            if (!JwtAlgorithms.SUPPORTED.containsKey(alg)) {
                throw settings.invalid("jwt-algorithms", shown, "a list of " + JwtAlgorithms.SUPPORTED.keySet());
            }
            if (JwtAlgorithms.isHmac(alg)) {
                if (secret == null) {
                    throw settings.invalid("jwt-algorithms", shown, "consistent with the keys: " + alg
                            + " needs jwt-hmac-secret (HMAC is never verified with a public key)");
                }
                if (secret.getEncoded().length < JwtAlgorithms.hmacKeyBytes(alg)) {
                    throw settings.invalid("jwt-algorithms", shown, "consistent with the keys: " + alg
                            + " needs a jwt-hmac-secret of at least " + JwtAlgorithms.hmacKeyBytes(alg) + " bytes");
                }
            } else if (!publicKeys) {
                throw settings.invalid("jwt-algorithms", shown, "consistent with the keys: " + alg
                        + " needs jwt-public-keys or jwt-jwks-url");
            }
            allowed.add(alg);
        }
        return allowed;
    }

    private static Duration positive(Settings settings, String param, Duration fallback) {
        Duration value = settings.duration(param, fallback);
        if (value.isZero()) {
            throw settings.invalid(param, "0", "above zero");
        }
        return value;
    }
}
