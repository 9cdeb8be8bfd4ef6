package dev.sandboxgate.filter;

import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The W3C Trace Context (https://www.w3.org/TR/trace-context/) of one request: the caller's trace continued, or a new
 * one when the caller sent none or a malformed one. The gateway is a span of its own: the {@code traceparent} it
 * forwards keeps the trace id and names the gateway's span id as the parent.
 *
 * @param traceId    32 lower-case hex digits, never all zero: the id shown in problems, audit records and logs
 * @param spanId     the gateway's own span id (16 hex digits), the parent-id of what it forwards
 * @param flags      the caller's trace flags (2 hex digits), {@code 00} for a trace the gateway started
 * @param tracestate the caller's {@code tracestate}, forwarded unchanged with a valid {@code traceparent}; else null
 */
public record TraceContext(String traceId, String spanId, String flags, String tracestate) {
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";

    private static final String ZERO_TRACE = "0".repeat(32);
    private static final String ZERO_SPAN = "0".repeat(16);
    /** The specification's own limit is 32 list members; a length bound keeps the header well inside that. */
    private static final int MAX_TRACESTATE = 512;
    private static final Pattern TRACESTATE_CHARS = Pattern.compile("[\\x20-\\x7e]*");
    private static final HexFormat HEX = HexFormat.of();

    /**
     * Continues the caller's trace when {@code traceparents} holds exactly one valid header, else starts a new one
     * (and drops the caller's {@code tracestate}, which belongs to the discarded parent).
     */
    public static TraceContext acceptOrStart(List<String> traceparents, List<String> tracestates) {
        String traceId = traceparents.size() == 1 ? validTraceId(traceparents.get(0)) : null;
        if (traceId == null) {
            return new TraceContext(randomHex(16, ZERO_TRACE), randomHex(8, ZERO_SPAN), "00", null);
        }
        String flags = traceparents.get(0).substring(53, 55);
        return new TraceContext(traceId, randomHex(8, ZERO_SPAN), flags, validTracestate(tracestates));
    }

    /** The {@code traceparent} the gateway forwards: the same trace, the gateway's span as the parent. */
    public String traceparent() {
        return "00-" + traceId + "-" + spanId + "-" + flags;
    }

    /** The trace id of a valid {@code traceparent} of version 00 (or a later version read as 00), or null. */
    static String validTraceId(String header) {
        // version "-" trace-id "-" parent-id "-" flags: 2, 32, 16 and 2 lower-case hex digits (checked by hand: this
        // runs on every request, and a regular expression cost several times as much)
        if (header == null || header.length() < 55 || !isLowerHex(header, 0, 2) || header.charAt(2) != '-'
                || !isLowerHex(header, 3, 35) || header.charAt(35) != '-' || !isLowerHex(header, 36, 52)
                || header.charAt(52) != '-' || !isLowerHex(header, 53, 55)) {
            return null;
        }
        boolean exact = header.length() == 55;
        String version = header.substring(0, 2);
        // Version ff is invalid; 00 has exactly four fields; a later version may append fields after a '-'.
        if (version.equals("ff") || version.equals("00") && !exact || !exact && header.charAt(55) != '-') {
            return null;
        }
        String traceId = header.substring(3, 35);
        if (traceId.equals(ZERO_TRACE) || header.startsWith(ZERO_SPAN, 36)) {
            return null;
        }
        return traceId;
    }

    private static boolean isLowerHex(String text, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
                return false;
            }
        }
        return true;
    }

    private static String validTracestate(List<String> values) {
        if (values.isEmpty()) {
            return null;
        }
        String joined = String.join(",", values);
        if (joined.isBlank() || joined.length() > MAX_TRACESTATE || !TRACESTATE_CHARS.matcher(joined).matches()) {
            return null;
        }
        return joined;
    }

    /**
     * Random ids from the thread's own generator: trace and span ids must be unique, not secret (they travel in
     * headers and logs), and a shared {@code SecureRandom} made every request queue for one lock (see BENCHMARKS.md).
     */
    private static String randomHex(int bytes, String zero) {
        byte[] random = new byte[bytes];
        String hex;
        do {
            ThreadLocalRandom.current().nextBytes(random);
            hex = HEX.formatHex(random);
        } while (hex.equals(zero));
        return hex;
    }
}
