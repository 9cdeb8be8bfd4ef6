package dev.sandboxgate.filter.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.sandboxgate.filter.ExchangeOutcome;
import dev.sandboxgate.filter.GateExchange;
import dev.sandboxgate.filter.Refusal;
import dev.sandboxgate.filter.SandboxPrincipal;
import dev.sandboxgate.filter.authz.Authorization;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Builds the unchained records of one exchange on the thread that saw it, from what the stages established. Only
 * safe facts are copied: never a header but the user agent, and the query with every secret-like parameter's value
 * replaced by {@value #REDACTED}. Each text is capped to its column's size and cleaned of what a database refuses
 * (NUL, lone surrogates), so no record can be unwritable.
 */
final class RecordFactory {
    static final String REDACTED = "REDACTED";
    /** Parameter names whose values are credentials, matched case-insensitively anywhere in the decoded name. */
    private static final Pattern SECRET_NAME = Pattern.compile(
            "token|key|secret|passw|pwd|auth|credential|signature|sig$|session_id|sessionid|jwt|code$|cookie");
    /** A value shaped like a JWT (or any JWS/JWE), whatever its parameter is called. */
    private static final Pattern JWT_LIKE = Pattern.compile("eyJ[A-Za-z0-9_-]*(\\.|%2[Ee])[A-Za-z0-9_-]*.*");
    private static final JsonFactory JSON = new JsonFactory();

    enum PromptMode { FULL, HASH, NONE }

    private final PromptMode promptMode;
    private final int promptMax;

    RecordFactory(PromptMode promptMode, int promptMax) {
        this.promptMode = promptMode;
        this.promptMax = promptMax;
    }

    AuditRecord decision(GateExchange exchange, Refusal refusal) {
        HttpServletRequest request = exchange.request();
        SandboxPrincipal principal = exchange.principal();
        String decision;
        String reason = null;
        Integer status = null;
        if (refusal == null) {
            decision = "allowed";
        } else {
            status = refusal.type().status();
            decision = status == 429 ? "rate-limited" : "denied";
            reason = refusal.type().uri();
        }
        String rpcMethod = exchange.rpcMethod();
        String prompt = null;
        Integer promptChars = null;
        if (refusal == null && promptMode != PromptMode.NONE && rpcMethod != null
                && rpcMethod.contains("session/prompt")
                && request.getAttribute(Authorization.BODY_ATTRIBUTE) instanceof byte[] body) {
            String text = promptText(body);
            if (text != null) {
                promptChars = text.length();
                prompt = promptMode == PromptMode.HASH ? "sha256:" + sha256(text) : clean(text, promptMax);
            }
        }
        return new AuditRecord(AuditRecord.SCHEMA, null, 0, now(), exchange.requestId(), exchange.traceId(), AuditRecord.DECISION,
                principal == null ? null : clean(principal.subject(), 256),
                principal == null ? null : clean(principal.authMethod(), 64), exchange.workspace(),
                clean(exchange.sandboxId(), 256), clean(exchange.session(), 256), clean(rpcMethod, 512),
                exchange.operation(), clean(request.getMethod(), 16), clean(mountRelativePath(request), 2048),
                clean(redactQuery(request.getQueryString()), 4096), decision, reason, status, null, null, null, null,
                clean(exchange.clientIp(), 64), clean(request.getHeader("User-Agent"), 512), prompt, promptChars,
                null, null);
    }

    /** The completed record of a forwarded exchange: its decision record's facts, with the outcome. */
    static AuditRecord completed(AuditRecord decision, GateExchange exchange, ExchangeOutcome outcome) {
        return new AuditRecord(AuditRecord.SCHEMA, null, 0, now(), decision.requestId(), decision.traceId(), AuditRecord.COMPLETED,
                decision.subject(), decision.authMethod(), decision.workspace(),
                clean(exchange.sandboxId(), 256), decision.session(), decision.rpcMethod(), decision.operation(),
                decision.method(), decision.path(), decision.query(), null, null, outcome.status(),
                outcome.bytesIn() < 0 ? null : outcome.bytesIn(), outcome.bytesOut() < 0 ? null : outcome.bytesOut(),
                outcome.durationNanos() / 1_000_000, outcome.endedBy().name(), decision.clientIp(),
                decision.userAgent(), null, null, null, null);
    }

    static AuditRecord chainStart() {
        return new AuditRecord(AuditRecord.SCHEMA, null, 0, now(), null, null, AuditRecord.CHAIN_START, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null);
    }

    private static Instant now() {
        return Instant.ofEpochMilli(System.currentTimeMillis());
    }

    /** The path under the mount, as the client encoded it: {@code /{workspaceId}/v1/...}. */
    private static String mountRelativePath(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String mount = request.getContextPath() + request.getServletPath();
        return uri != null && uri.startsWith(mount) && uri.length() > mount.length() ? uri.substring(mount.length())
                : uri;
    }

    /** The raw query with the value of every secret-like parameter (by name or by shape) replaced. */
    static String redactQuery(String query) {
        if (query == null || query.isEmpty()) {
            return null;
        }
        StringBuilder out = new StringBuilder(query.length());
        for (String pair : query.split("&", -1)) {
            if (out.length() > 0) {
                out.append('&');
            }
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            if (secretName(name) || JWT_LIKE.matcher(value).matches() || JWT_LIKE.matcher(name).matches()) {
                out.append(JWT_LIKE.matcher(name).matches() ? REDACTED : name).append('=').append(REDACTED);
            } else {
                out.append(pair);
            }
        }
        return out.toString();
    }

    private static boolean secretName(String rawName) {
        String name;
        try {
            name = java.net.URLDecoder.decode(rawName, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            return true; // cannot tell what it is called: treat it as a secret
        }
        return SECRET_NAME.matcher(name.toLowerCase(Locale.ROOT)).find();
    }

    /** The text blocks of every {@code session/prompt} message in an ACP body, joined by newlines; null if none. */
    static String promptText(byte[] body) {
        StringBuilder text = new StringBuilder();
        boolean found = false;
        try (JsonParser json = JSON.createParser(body)) {
            JsonToken token = json.nextToken();
            if (token == JsonToken.START_ARRAY) {
                while ((token = json.nextToken()) == JsonToken.START_OBJECT) {
                    found |= readMessage(json, text);
                }
            } else if (token == JsonToken.START_OBJECT) {
                found = readMessage(json, text);
            }
        } catch (IOException e) {
            return null; // the authorization stage has read it strictly; nothing to record if this reading fails
        }
        return found ? text.toString() : null;
    }

    /** Reads one message object (positioned on its START_OBJECT); appends its prompt text if it is a prompt. */
    private static boolean readMessage(JsonParser json, StringBuilder text) throws IOException {
        boolean prompt = false;
        StringBuilder mine = new StringBuilder();
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            String field = json.currentName();
            JsonToken value = json.nextToken();
            if (field.equals("method") && value == JsonToken.VALUE_STRING) {
                prompt = json.getText().equals("session/prompt");
            } else if (field.equals("params") && value == JsonToken.START_OBJECT) {
                readParams(json, mine);
            } else {
                json.skipChildren();
            }
        }
        if (prompt) {
            if (text.length() > 0) {
                text.append('\n');
            }
            text.append(mine);
        }
        return prompt;
    }

    private static void readParams(JsonParser json, StringBuilder text) throws IOException {
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            String field = json.currentName();
            JsonToken value = json.nextToken();
            if (field.equals("prompt") && value == JsonToken.START_ARRAY) {
                while (json.nextToken() == JsonToken.START_OBJECT) {
                    readBlock(json, text);
                }
            } else {
                json.skipChildren();
            }
        }
    }

    private static void readBlock(JsonParser json, StringBuilder text) throws IOException {
        String type = null;
        String blockText = null;
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            String field = json.currentName();
            JsonToken value = json.nextToken();
            if (field.equals("type") && value == JsonToken.VALUE_STRING) {
                type = json.getText();
            } else if (field.equals("text") && value == JsonToken.VALUE_STRING) {
                blockText = json.getText();
            } else {
                json.skipChildren();
            }
        }
        if ("text".equals(type) && blockText != null) {
            if (text.length() > 0) {
                text.append('\n');
            }
            text.append(blockText);
        }
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** {@code text} cut to {@code max} characters (never inside a surrogate pair), NUL and lone surrogates replaced. */
    static String clean(String text, int max) {
        if (text == null) {
            return null;
        }
        int end = Math.min(text.length(), max);
        if (end < text.length() && end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        StringBuilder out = null;
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            boolean bad = c == 0
                    || Character.isHighSurrogate(c) && (i + 1 >= end || !Character.isLowSurrogate(text.charAt(i + 1)))
                    || Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(text.charAt(i - 1)));
            if (bad && out == null) {
                out = new StringBuilder(end).append(text, 0, i);
            }
            if (out != null) {
                out.append(bad ? '\uFFFD' : c);
            }
        }
        return out != null ? out.toString() : end == text.length() ? text : text.substring(0, end);
    }
}
