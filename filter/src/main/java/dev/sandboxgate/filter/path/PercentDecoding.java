package dev.sandboxgate.filter.path;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict, single-pass percent-decoding: the one reading of a path segment or query component that the gateway
 * classifies and authorizes on. Where a lenient decoder guesses (a stray {@code %}, a byte sequence that is not UTF-8,
 * an overlong encoding of {@code /} or {@code .}), this one refuses, so no second reading can disagree with ours.
 */
public final class PercentDecoding {

    /** Why a component could not be decoded; the message names the reason, never the input. */
    public static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String reason) {
            super(reason, null, false, false);
        }
    }

    private PercentDecoding() {
    }

    /**
     * Decodes every {@code %HH} once; with {@code plusIsSpace} (form encoding, as query strings are read upstream)
     * {@code +} is a space. Characters outside printable ASCII must arrive percent-encoded, and the decoded bytes must
     * form valid UTF-8 (which excludes overlong forms such as {@code %C0%AE} and encoded surrogates).
     */
    public static String decode(String raw, boolean plusIsSpace) throws Invalid {
        if (isPlain(raw, plusIsSpace)) {
            return raw; // the common case: nothing encoded, nothing to allocate
        }
        ByteBuffer bytes = ByteBuffer.allocate(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    throw new Invalid("a '%' not followed by two hex digits");
                }
                if (!isHex(raw.charAt(i + 1)) || !isHex(raw.charAt(i + 2))) {
                    throw new Invalid("a '%' not followed by two hex digits");
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                bytes.put((byte) (hi << 4 | lo));
                i += 2;
            } else if (c == '+' && plusIsSpace) {
                bytes.put((byte) ' ');
            } else if (c > 0x20 && c < 0x7f) {
                bytes.put((byte) c);
            } else {
                throw new Invalid("a character outside printable ASCII that is not percent-encoded");
            }
        }
        bytes.flip();
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer chars = utf8.decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new Invalid("percent-encoded bytes that are not valid UTF-8");
        }
    }

    /** Whether {@code decoded} still holds a percent-encoding, i.e. the original was encoded twice. */
    public static boolean holdsEncoding(String decoded) {
        for (int i = decoded.indexOf('%'); i >= 0 && i + 2 < decoded.length(); i = decoded.indexOf('%', i + 1)) {
            if (isHex(decoded.charAt(i + 1)) && isHex(decoded.charAt(i + 2))) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code s} holds a NUL or another control character (C0 or DEL). */
    public static boolean holdsControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return true;
            }
        }
        return false;
    }

    /** Printable ASCII without {@code %} (nor {@code +} when it means a space): decodes to itself. */
    private static boolean isPlain(String raw, boolean plusIsSpace) {
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '%' || (c == '+' && plusIsSpace)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
