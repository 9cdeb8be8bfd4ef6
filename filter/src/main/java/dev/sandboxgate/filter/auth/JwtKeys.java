package dev.sandboxgate.filter.auth;

import dev.sandboxgate.filter.ProblemType;
import io.jsonwebtoken.JweHeader;
import io.jsonwebtoken.JwsHeader;
import io.jsonwebtoken.LocatorAdapter;
import java.security.Key;
import java.security.PublicKey;
import java.util.List;
import java.util.Set;
import javax.crypto.SecretKey;

/**
 * Finds the key that verifies a token, from its header, after checking the header's {@code alg} against the
 * allow-list: HMAC algorithms get the shared secret and nothing else; RSA and EC algorithms get a configured PEM key
 * or a key from the JWKS, and only one of the kind the algorithm needs (an RSA key never verifies an ES256 token, and
 * no public key is ever used as an HMAC secret).
 *
 * <p>A token naming a {@code kid} gets the key of that id (PEM entries named {@code kid=...} first, then the JWKS); a
 * token without one gets the only key that fits its algorithm, or is refused when several would.
 */
final class JwtKeys extends LocatorAdapter<Key> {
    private final Set<String> allowed;
    private final SecretKey hmacSecret;
    private final List<PemKeys.NamedKey> pemKeys;
    private final JwksKeySource jwks;

    JwtKeys(Set<String> allowed, SecretKey hmacSecret, List<PemKeys.NamedKey> pemKeys, JwksKeySource jwks) {
        this.allowed = Set.copyOf(allowed);
        this.hmacSecret = hmacSecret;
        this.pemKeys = List.copyOf(pemKeys);
        this.jwks = jwks;
    }

    Set<String> allowed() {
        return allowed;
    }

    @Override
    protected Key locate(JwsHeader header) {
        String alg = header.getAlgorithm();
        if (alg == null || !allowed.contains(alg)) {
            throw notAllowed();
        }
        if (JwtAlgorithms.isHmac(alg)) {
            return hmacSecret; // allowed only when configured, and only when long enough for alg
        }
        String kid = header.getKeyId();
        return kid != null ? byKid(kid, alg) : onlyFitting(alg);
    }

    @Override
    protected Key locate(JweHeader header) {
        throw new TokenRefused(ProblemType.TOKEN_MALFORMED, "Encrypted tokens (JWE) are not accepted.");
    }

    private Key byKid(String kid, String alg) {
        for (PemKeys.NamedKey named : pemKeys) {
            if (kid.equals(named.kid())) {
                return fitting(named.key(), null, alg);
            }
        }
        JwksKeySource.JwkKey published = jwks == null ? null : jwks.find(kid);
        if (published != null) {
            return fitting(published.key(), published.alg(), alg);
        }
        // PEM keys configured without names: a kid the IdP sets is then only a label.
        if (jwks == null && pemKeys.stream().allMatch(k -> k.kid() == null)) {
            return onlyFitting(alg);
        }
        throw unknownKey();
    }

    private Key onlyFitting(String alg) {
        List<PublicKey> candidates = new java.util.ArrayList<>();
        pemKeys.stream().map(PemKeys.NamedKey::key).filter(k -> JwtAlgorithms.fits(alg, k)).forEach(candidates::add);
        if (jwks != null) {
            jwks.all().stream().filter(k -> k.alg() == null || k.alg().equals(alg))
                    .map(JwksKeySource.JwkKey::key).filter(k -> JwtAlgorithms.fits(alg, k))
                    .forEach(candidates::add);
        }
        if (candidates.size() != 1) {
            throw candidates.isEmpty() ? unknownKey() : new TokenRefused(ProblemType.TOKEN_KEY_UNKNOWN,
                    "The token names no key (kid) and several keys could verify it.");
        }
        return candidates.get(0);
    }

    private static Key fitting(PublicKey key, String pinnedAlg, String alg) {
        if (!JwtAlgorithms.fits(alg, key) || (pinnedAlg != null && !pinnedAlg.equals(alg))) {
            throw new TokenRefused(ProblemType.TOKEN_ALGORITHM_NOT_ALLOWED,
                    "The token's algorithm does not match the key it names.");
        }
        return key;
    }

    static TokenRefused notAllowed() {
        return new TokenRefused(ProblemType.TOKEN_ALGORITHM_NOT_ALLOWED,
                "The token's signing algorithm (alg) is not accepted here.");
    }

    private static TokenRefused unknownKey() {
        return new TokenRefused(ProblemType.TOKEN_KEY_UNKNOWN,
                "The token was signed with a key the gateway does not know.");
    }
}
