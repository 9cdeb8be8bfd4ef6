package dev.sandboxgate.proxy.websocket;

import jakarta.websocket.CloseReason;
import java.nio.charset.StandardCharsets;

/**
 * Close codes across the two hops. A code crosses unchanged where the receiving hop's API may send it; the JDK client
 * may send only 1000, 1001, 1008, 1011 and 3000-4999 (RFC 6455 7.4), so a caller's "no status" (1005) reaches the
 * sandbox as 1000 and the codes only an endpoint's own WebSocket stack produces (1002, 1003, 1007, 1009, 1010) as 1011.
 */
final class CloseCodes {
    /** RFC 6455 5.5: a close frame's payload is at most 125 bytes, two of them the code. */
    private static final int MAX_REASON_BYTES = 123;

    /** The reason the caller reads when the sandbox's connection broke off (with 1011). */
    static final String BROKE_OFF = "The sandbox's connection broke off";

    private CloseCodes() {
    }

    static int toSandbox(int code) {
        if (code == 1000 || code == 1001 || code == 1008 || code == 1011 || (code >= 3000 && code <= 4999)) {
            return code;
        }
        return code == 1005 ? 1000 : 1011;
    }

    /**
     * The close for the caller. A sandbox that closed without a code (1005) closes the caller normally (1000): no
     * container sends an empty close frame through the Jakarta API. A sandbox connection that broke off (1006) is
     * {@link #BROKE_OFF} to the caller.
     */
    static CloseReason toCaller(int code, String reason) {
        if (code == 1005) {
            return new CloseReason(CloseReason.CloseCodes.NORMAL_CLOSURE, "");
        }
        if (code == 1006 || code == 1015 || code < 1000 || code > 4999) {
            return new CloseReason(CloseReason.CloseCodes.UNEXPECTED_CONDITION, BROKE_OFF);
        }
        return new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason(reason));
    }

    /** The reason, cut to what a close frame can carry (at a character boundary). */
    static String reason(String reason) {
        if (reason == null) {
            return "";
        }
        if (Utf8.length(reason) <= MAX_REASON_BYTES) {
            return reason;
        }
        StringBuilder cut = new StringBuilder();
        int bytes = 0;
        for (int i = 0; i < reason.length(); ) {
            int cp = reason.codePointAt(i);
            int n = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + n > MAX_REASON_BYTES) {
                break;
            }
            cut.appendCodePoint(cp);
            bytes += n;
            i += Character.charCount(cp);
        }
        return cut.toString();
    }
}
