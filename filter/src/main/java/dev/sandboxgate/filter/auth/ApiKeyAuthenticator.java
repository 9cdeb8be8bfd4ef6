package dev.sandboxgate.filter.auth;

import dev.sandboxgate.filter.Authentication;
import dev.sandboxgate.filter.Authenticator;
import dev.sandboxgate.filter.ProblemType;
import dev.sandboxgate.filter.SandboxPrincipal;
import dev.sandboxgate.filter.Settings;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * API keys for backend jobs, listed by hash in a file ({@code api-keys-file}); the keys themselves are never stored.
 * One key per line, blank lines and {@code #} comments ignored:
 *
 * <pre>
 * # algorithm:hex-digest-of-the-key                                          subject   workspace=role,...
 * sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08    ci-bot    ws_1=owner,ws_2=viewer
 * sha256:60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752    auditor   *=viewer
 * </pre>
 *
 * <p>The digest is {@code sha256}, {@code sha384} or {@code sha512} of the key's UTF-8 bytes
 * ({@code printf %s "$KEY" | sha256sum}). Keys must be random and long (at least 128 bits, e.g. 32 bytes of
 * {@code openssl rand -base64 32}): a fast hash suits high-entropy keys, not passwords.
 *
 * <p>A presented key is hashed and looked up by its digest's first eight bytes; the full digests are then compared
 * with {@link MessageDigest#isEqual}, in constant time. Where keys travel:
 * <ul>
 *   <li>{@code api-key-header} = {@code Authorization} (default): as a bearer token. With {@code api-key-prefix}
 *       (e.g. {@code sgk_}), a bearer token with that prefix is an API key and is refused if unknown; without a
 *       prefix an unknown token is left to the next authenticator (an opaque key has no shape to recognise).
 *   <li>any other header name (e.g. {@code X-API-Key}): the header's whole value; present but unknown is refused.
 * </ul>
 */
final class ApiKeyAuthenticator implements Authenticator {
    static final String AUTH_METHOD = "api-key";
    static final String FILE_PARAM = "api-keys-file";
    static final String HEADER_PARAM = "api-key-header";
    /** Longer keys are not hashed at all. */
    static final int MAX_KEY_CHARS = 1024;

    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]+");
    private static final Map<String, String> ALGORITHMS = Map.of(
            "sha256", "SHA-256", "sha384", "SHA-384", "sha512", "SHA-512");

    private record Key(String algorithm, byte[] digest, SandboxPrincipal principal) {
    }

    private final String header;
    private final String prefix;
    /** JCA digest name to (first eight digest bytes to the keys sharing them). */
    private final Map<String, Map<Long, List<Key>>> index;

    private ApiKeyAuthenticator(String header, String prefix, Map<String, Map<Long, List<Key>>> index) {
        this.header = header;
        this.prefix = prefix;
        this.index = index;
    }

    static boolean isConfigured(Settings settings) {
        return settings.optional(FILE_PARAM).isPresent();
    }

    static ApiKeyAuthenticator from(Settings settings) {
        String file = settings.required(FILE_PARAM);
        String header = settings.optional(HEADER_PARAM).orElse("Authorization");
        if (!header.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
            throw settings.invalid(HEADER_PARAM, header, "an HTTP header name");
        }
        String prefix = settings.optional("api-key-prefix").orElse(null);
        return new ApiKeyAuthenticator(header, prefix, index(read(settings, file)));
    }

    /** The header that carries keys, when it is not {@code Authorization}: the filter never forwards it. */
    String dedicatedHeader() {
        return header.equalsIgnoreCase("Authorization") ? null : header;
    }

    @Override
    public Authentication authenticate(HttpServletRequest request) {
        boolean bearer = dedicatedHeader() == null;
        String presented = bearer ? BearerToken.from(request) : trimmed(request.getHeader(header));
        if (presented == null) {
            return Authentication.NOT_RECOGNISED;
        }
        boolean recognised = !bearer || (prefix != null && presented.startsWith(prefix));
        if (bearer && prefix != null && !recognised) {
            return Authentication.NOT_RECOGNISED;
        }
        SandboxPrincipal principal = presented.length() <= MAX_KEY_CHARS ? find(presented) : null;
        if (principal != null) {
            return new Authentication.Authenticated(principal);
        }
        return recognised
                ? new Authentication.Rejected(ProblemType.CREDENTIAL_INVALID, "The API key is not valid.")
                : Authentication.NOT_RECOGNISED;
    }

    private SandboxPrincipal find(String presented) {
        byte[] bytes = presented.getBytes(StandardCharsets.UTF_8);
        SandboxPrincipal found = null;
        for (Map.Entry<String, Map<Long, List<Key>>> byAlgorithm : index.entrySet()) {
            byte[] digest = digest(byAlgorithm.getKey(), bytes);
            for (Key key : byAlgorithm.getValue().getOrDefault(ByteBuffer.wrap(digest).getLong(), List.of())) {
                if (MessageDigest.isEqual(key.digest(), digest)) {
                    found = key.principal();
                }
            }
        }
        return found;
    }

    private static String trimmed(String value) {
        if (value == null) {
            return null;
        }
        String trimmed = value.trim();
        return trimmed.isEmpty() ? null : trimmed;
    }

    private static Map<String, Map<Long, List<Key>>> index(List<Key> keys) {
        Map<String, Map<Long, List<Key>>> index = new HashMap<>();
        for (Key key : keys) {
            index.computeIfAbsent(key.algorithm(), a -> new HashMap<>())
                    .computeIfAbsent(ByteBuffer.wrap(key.digest()).getLong(), d -> new ArrayList<>(1)).add(key);
        }
        return index;
    }

    static List<Key> read(Settings settings, String file) {
        Path path = Paths.get(file);
        List<String> lines;
        try {
            lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            throw settings.invalid(FILE_PARAM, file, "a readable file (" + e.getClass().getSimpleName() + ")");
        }
        List<Key> keys = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = file + " line " + (n + 1);
            String[] fields = line.split("\\s+");
            if (fields.length < 2 || fields.length > 3) {
                throw settings.invalid(FILE_PARAM, where, "'<algorithm>:<hex digest> <subject> "
                        + "[<workspace>=<role>,...]'");
            }
            String[] hash = fields[0].split(":", 2);
            String algorithm = hash.length == 2 ? ALGORITHMS.get(hash[0].toLowerCase(Locale.ROOT)) : null;
            if (algorithm == null) {
                throw settings.invalid(FILE_PARAM, where, "a hash written sha256:, sha384: or sha512: and hex");
            }
            int expectedHex = Integer.parseInt(hash[0].substring(3)) / 4;
            if (!HEX.matcher(hash[1]).matches() || hash[1].length() != expectedHex) {
                throw settings.invalid(FILE_PARAM, where, "a " + hash[0] + " digest of " + expectedHex
                        + " hex digits");
            }
            if (!seen.add(algorithm + ":" + hash[1].toLowerCase(Locale.ROOT))) {
                throw settings.invalid(FILE_PARAM, where, "a key listed once (the same hash appears earlier)");
            }
            Memberships memberships = new Memberships();
            if (fields.length == 3) {
                for (String grant : fields[2].split(",")) {
                    String[] wr = grant.split("=", 2);
                    if (wr.length != 2 || !memberships.grant(wr[0], Memberships.role(wr[1]))) {
                        throw settings.invalid(FILE_PARAM, where, "a list of workspace=role with roles owner, "
                                + "member or viewer and workspace ids of A-Z a-z 0-9 _ - (or * for all), not '"
                                + grant + "'");
                    }
                }
            }
            keys.add(new Key(algorithm, HexFormat.of().parseHex(hash[1]),
                    memberships.principal(fields[1], AUTH_METHOD)));
        }
        return keys;
    }

    private static byte[] digest(String algorithm, byte[] bytes) {
        try {
            return MessageDigest.getInstance(algorithm).digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides " + algorithm, e);
        }
    }

    int size() {
        return index.values().stream().flatMap(m -> m.values().stream()).mapToInt(List::size).sum();
    }
}
