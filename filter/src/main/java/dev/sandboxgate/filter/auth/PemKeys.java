package dev.sandboxgate.filter.auth;

import dev.sandboxgate.filter.Settings;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code jwt-public-keys}: comma-separated entries {@code [kid=]source}, where the source is the path of a PEM
 * file or the PEM text itself (handy from an environment variable). A PEM may hold {@code PUBLIC KEY} (X.509
 * SubjectPublicKeyInfo) and {@code CERTIFICATE} blocks; a named entry must hold exactly one. RSA keys need at least
 * 2048 bits; EC keys must be on P-256, P-384 or P-521.
 */
final class PemKeys {
    static final String PARAM = "jwt-public-keys";
    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");
    private static final Pattern KID = Pattern.compile("([A-Za-z0-9._:-]{1,128})=(.*)", Pattern.DOTALL);

    /** A configured key, with the {@code kid} tokens name it by, or null for an unnamed key. */
    record NamedKey(String kid, PublicKey key) {
    }

    private PemKeys() {
    }

    static List<NamedKey> read(Settings settings) {
        List<NamedKey> keys = new ArrayList<>();
        for (String entry : settings.list(PARAM)) {
            String kid = null;
            String source = entry;
            Matcher named = KID.matcher(entry);
            if (named.matches() && !entry.startsWith("-----")) {
                kid = named.group(1);
                source = named.group(2).trim();
            }
            String pem = source.contains("-----BEGIN") ? source : readFile(settings, source);
            List<PublicKey> found = parse(settings, describe(source), pem);
            if (kid != null && found.size() != 1) {
                throw settings.invalid(PARAM, describe(source),
                        "a PEM with exactly one key for kid '" + kid + "' (it has " + found.size() + ")");
            }
            for (PublicKey key : found) {
                keys.add(new NamedKey(kid, key));
            }
        }
        long distinct = keys.stream().map(NamedKey::kid).filter(k -> k != null).distinct().count();
        if (distinct != keys.stream().filter(k -> k.kid() != null).count()) {
            throw settings.invalid(PARAM, null, "a list of keys with distinct kids");
        }
        return List.copyOf(keys);
    }

    private static String describe(String source) {
        return source.contains("-----BEGIN") ? "(inline PEM)" : source;
    }

    private static String readFile(Settings settings, String path) {
        try {
            return Files.readString(Paths.get(path), StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            throw settings.invalid(PARAM, path, "a readable PEM file (" + e.getClass().getSimpleName() + ")");
        }
    }

    static List<PublicKey> parse(Settings settings, String source, String pem) {
        List<PublicKey> keys = new ArrayList<>();
        Matcher block = BLOCK.matcher(pem);
        while (block.find()) {
            byte[] der = Base64.getMimeDecoder().decode(block.group(2));
            PublicKey key = switch (block.group(1)) {
                case "PUBLIC KEY" -> publicKey(der);
                case "CERTIFICATE" -> certificateKey(der);
                default -> throw settings.invalid(PARAM, source, "a PEM of PUBLIC KEY or CERTIFICATE blocks, "
                        + "not " + block.group(1) + (block.group(1).contains("PRIVATE") ? " (never configure a "
                        + "private key here)" : ""));
            };
            if (key == null) {
                throw settings.invalid(PARAM, source, "a PEM whose keys are RSA or EC public keys");
            }
            String weakness = weakness(key);
            if (weakness != null) {
                throw settings.invalid(PARAM, source, "usable: " + weakness);
            }
            keys.add(key);
        }
        if (keys.isEmpty()) {
            throw settings.invalid(PARAM, source, "a PEM with at least one PUBLIC KEY or CERTIFICATE block");
        }
        return keys;
    }

    /** Why a key cannot verify tokens safely, or null. */
    static String weakness(PublicKey key) {
        if (key instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() < 2048) {
            return "RSA keys need at least 2048 bits";
        }
        if (key instanceof ECPublicKey ec && JwtAlgorithms.curveBits(ec) == 0) {
            return "EC keys must be on P-256, P-384 or P-521";
        }
        return null;
    }

    private static PublicKey publicKey(byte[] der) {
        for (String type : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(type).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException tryNext) {
                // not this type
            }
        }
        return null;
    }

    private static PublicKey certificateKey(byte[] der) {
        try {
            PublicKey key = CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der)).getPublicKey();
            return key instanceof RSAPublicKey || key instanceof ECPublicKey ? key : null;
        } catch (GeneralSecurityException e) {
            return null;
        }
    }
}
