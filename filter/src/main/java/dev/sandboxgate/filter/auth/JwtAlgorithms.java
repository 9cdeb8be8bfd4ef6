package dev.sandboxgate.filter.auth;

import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.SecureDigestAlgorithm;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JWS algorithms the gateway can accept, and which key each needs. {@code none} is not among them, and an HMAC
 * algorithm is only ever verified with the configured shared secret, never with a public key's bytes, so neither
 * unsigned tokens nor algorithm confusion can get through.
 */
final class JwtAlgorithms {
    static final Map<String, SecureDigestAlgorithm<?, ?>> SUPPORTED;

    static {
        Map<String, SecureDigestAlgorithm<?, ?>> all = new LinkedHashMap<>();
        for (SecureDigestAlgorithm<?, ?> alg : new SecureDigestAlgorithm<?, ?>[] {
                Jwts.SIG.HS256, Jwts.SIG.HS384, Jwts.SIG.HS512,
                Jwts.SIG.RS256, Jwts.SIG.RS384, Jwts.SIG.RS512,
                Jwts.SIG.PS256, Jwts.SIG.PS384, Jwts.SIG.PS512,
                Jwts.SIG.ES256, Jwts.SIG.ES384, Jwts.SIG.ES512}) {
            all.put(alg.getId(), alg);
        }
        SUPPORTED = java.util.Collections.unmodifiableMap(all);
    }

    private static final Map<Integer, ECParameterSpec> CURVES = Map.of(
            256, curve("secp256r1"), 384, curve("secp384r1"), 521, curve("secp521r1"));

    private JwtAlgorithms() {
    }

    static boolean isHmac(String alg) {
        return alg.startsWith("HS");
    }

    /** The HMAC secret length, in bytes, that an HS algorithm requires (RFC 7518 3.2: at least the hash size). */
    static int hmacKeyBytes(String alg) {
        return Integer.parseInt(alg.substring(2)) / 8;
    }

    /** Whether {@code key} is of the kind {@code alg} verifies with: RSA for RS/PS, EC on the matching curve for ES. */
    static boolean fits(String alg, Key key) {
        if (alg.startsWith("RS") || alg.startsWith("PS")) {
            return key instanceof RSAPublicKey;
        }
        if (alg.startsWith("ES")) {
            int bits = Integer.parseInt(alg.substring(2));
            return key instanceof ECPublicKey ec && curveBits(ec) == (bits == 512 ? 521 : bits);
        }
        return false;
    }

    /** 256, 384 or 521 for the NIST curves JWS uses (P-256, P-384, P-521); 0 for any other curve. */
    static int curveBits(ECPublicKey key) {
        ECParameterSpec params = key.getParams();
        for (Map.Entry<Integer, ECParameterSpec> curve : CURVES.entrySet()) {
            ECParameterSpec nist = curve.getValue();
            if (nist.getCurve().equals(params.getCurve()) && nist.getOrder().equals(params.getOrder())
                    && nist.getGenerator().equals(params.getGenerator())) {
                return curve.getKey();
            }
        }
        return 0;
    }

    private static ECParameterSpec curve(String name) {
        try {
            AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
            params.init(new ECGenParameterSpec(name));
            return params.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java platform provides " + name, e);
        }
    }
}
