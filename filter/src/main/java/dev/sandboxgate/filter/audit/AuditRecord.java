package dev.sandboxgate.filter.audit;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * One entry of the audit trail, in schema version {@value #SCHEMA}. Its JSON form (one line, camelCase names, absent
 * fields omitted, in this order) is documented in the README. Records of one node form a hash chain: {@code seq}
 * counts up by one, {@code prevHash} is the predecessor's {@code hash}, and {@code hash} is the SHA-256 (hex) of the
 * record's JSON form without {@code hash} (its canonical form, {@link #canonicalJson()}). A record is built unchained
 * on the request path and chained by the trail's single writer ({@link #chained}), so the chain follows the order in
 * which records are written.
 *
 * @param schema      the schema version, {@value #SCHEMA}
 * @param node        the chain this record belongs to (the gateway node that wrote it)
 * @param seq         its position in the node's chain, from 1
 * @param ts          when the decision was taken or the exchange ended (UTC, milliseconds)
 * @param requestId   the request id (also in the response's {@code X-Request-Id}); links decision and completed
 * @param traceId     the W3C trace id of the request (from its {@code traceparent}, or started by the gateway)
 * @param event       {@code decision}, {@code completed}, or {@code chain-start} (a writer started)
 * @param decision    {@code allowed}, {@code denied} or {@code rate-limited} (decision records)
 * @param reason      the refusal's problem type URI (denied, rate-limited)
 * @param status      the status answered: a refusal's, or the forwarded exchange's (completed)
 * @param endedBy     {@code UPSTREAM}, {@code CLIENT}, {@code GATEWAY} or {@code ERROR} (completed)
 * @param prompt      a {@code session/prompt}'s text, its {@code sha256:} hash, or absent, per {@code audit-prompt}
 * @param promptChars the length of the whole prompt text, when one was recorded
 */
public record AuditRecord(int schema, String node, long seq, Instant ts, String requestId, String traceId, String event,
                          String subject, String authMethod, String workspace, String sandboxId, String session,
                          String rpcMethod, String operation, String method, String path, String query,
                          String decision, String reason, Integer status, Long bytesIn, Long bytesOut,
                          Long durationMs, String endedBy, String clientIp, String userAgent, String prompt,
                          Integer promptChars, String prevHash, String hash) {

    public static final int SCHEMA = 2;
    public static final String DECISION = "decision";
    public static final String COMPLETED = "completed";
    public static final String CHAIN_START = "chain-start";

    // One per thread: looking the algorithm up costs more than hashing a record.
    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    });
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    /** This record as the {@code seq}-th of {@code node}'s chain, after the record whose hash is {@code prevHash}. */
    public AuditRecord chained(String node, long seq, String prevHash) {
        AuditRecord unhashed = new AuditRecord(schema, node, seq, ts, requestId, traceId, event, subject, authMethod,
                workspace, sandboxId, session, rpcMethod, operation, method, path, query, decision, reason, status,
                bytesIn, bytesOut, durationMs, endedBy, clientIp, userAgent, prompt, promptChars, prevHash, null);
        return unhashed.withHash(unhashed.computeHash());
    }

    private AuditRecord withHash(String newHash) {
        return new AuditRecord(schema, node, seq, ts, requestId, traceId, event, subject, authMethod, workspace, sandboxId,
                session, rpcMethod, operation, method, path, query, decision, reason, status, bytesIn, bytesOut,
                durationMs, endedBy, clientIp, userAgent, prompt, promptChars, prevHash, newHash);
    }

    /** The SHA-256 (lowercase hex) of {@link #canonicalJson()}: what {@code hash} must be. */
    public String computeHash() {
        return HexFormat.of().formatHex(SHA_256.get().digest(json(false)));
    }

    /** Whether {@code hash} is the hash of this record's content. */
    public boolean hashMatches() {
        return hash != null && hash.equals(computeHash());
    }

    /** The JSON form without {@code hash}: what the hash covers. */
    public String canonicalJson() {
        return new String(json(false), StandardCharsets.UTF_8);
    }

    /** The JSON form, one line. */
    public String toJson() {
        return new String(json(true), StandardCharsets.UTF_8);
    }

    /** UTF-8 JSON, written straight to bytes: the writer hashes every record, and this is most of that work. */
    private byte[] json(boolean withHash) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator json = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            json.writeStartObject();
            json.writeNumberField("schema", schema);
            string(json, "node", node);
            if (node != null) {
                json.writeNumberField("seq", seq);
            }
            string(json, "ts", ts == null ? null : ts.toString());
            string(json, "requestId", requestId);
            string(json, "traceId", traceId);
            string(json, "event", event);
            string(json, "subject", subject);
            string(json, "authMethod", authMethod);
            string(json, "workspace", workspace);
            string(json, "sandboxId", sandboxId);
            string(json, "session", session);
            string(json, "rpcMethod", rpcMethod);
            string(json, "operation", operation);
            string(json, "method", method);
            string(json, "path", path);
            string(json, "query", query);
            string(json, "decision", decision);
            string(json, "reason", reason);
            number(json, "status", status);
            number(json, "bytesIn", bytesIn);
            number(json, "bytesOut", bytesOut);
            number(json, "durationMs", durationMs);
            string(json, "endedBy", endedBy);
            string(json, "clientIp", clientIp);
            string(json, "userAgent", userAgent);
            string(json, "prompt", prompt);
            number(json, "promptChars", promptChars);
            string(json, "prevHash", prevHash);
            if (withHash) {
                string(json, "hash", hash);
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void string(JsonGenerator json, String name, String value) throws IOException {
        if (value != null) {
            json.writeStringField(name, value);
        }
    }

    private static void number(JsonGenerator json, String name, Number value) throws IOException {
        if (value != null) {
            json.writeNumberField(name, value.longValue());
        }
    }

    /** A record that cannot be read back: not one JSON object of this schema's fields. */
    public static final class Unreadable extends Exception {
        private static final long serialVersionUID = 1L;

        Unreadable(String message) {
            super(message, null, false, false);
        }
    }

    /** Reads the JSON form strictly: unknown or repeated fields, wrong types and trailing content are refused. */
    public static AuditRecord fromJson(String line) throws Unreadable {
        Map<String, Object> fields = new HashMap<>();
        try (JsonParser json = JSON.createParser(line)) {
            if (json.nextToken() != JsonToken.START_OBJECT) {
                throw new Unreadable("not a JSON object");
            }
            for (JsonToken token = json.nextToken(); token == JsonToken.FIELD_NAME; token = json.nextToken()) {
                String name = json.currentName();
                JsonToken value = json.nextToken();
                if (value == JsonToken.VALUE_STRING) {
                    fields.put(name, json.getText());
                } else if (value == JsonToken.VALUE_NUMBER_INT) {
                    fields.put(name, json.getLongValue());
                } else {
                    throw new Unreadable("field '" + name + "' is neither a string nor an integer");
                }
            }
            if (json.nextToken() != null) {
                throw new Unreadable("content after the record");
            }
        } catch (IOException e) {
            throw new Unreadable("not strict JSON");
        }
        return fromFields(fields);
    }

    private static AuditRecord fromFields(Map<String, Object> fields) throws Unreadable {
        Reader r = new Reader(fields);
        Long schemaVersion = r.number("schema");
        Long seqValue = r.number("seq");
        String tsText = r.string("ts");
        Instant timestamp;
        try {
            timestamp = tsText == null ? null : Instant.parse(tsText);
        } catch (DateTimeParseException e) {
            throw new Unreadable("field 'ts' is not an ISO-8601 instant");
        }
        AuditRecord record = new AuditRecord(schemaVersion == null ? 0 : schemaVersion.intValue(), r.string("node"),
                seqValue == null ? 0 : seqValue, timestamp, r.string("requestId"), r.string("traceId"), r.string("event"),
                r.string("subject"), r.string("authMethod"), r.string("workspace"), r.string("sandboxId"),
                r.string("session"), r.string("rpcMethod"), r.string("operation"), r.string("method"),
                r.string("path"), r.string("query"), r.string("decision"), r.string("reason"), r.integer("status"),
                r.number("bytesIn"), r.number("bytesOut"), r.number("durationMs"), r.string("endedBy"),
                r.string("clientIp"), r.string("userAgent"), r.string("prompt"), r.integer("promptChars"),
                r.string("prevHash"), r.string("hash"));
        if (!fields.isEmpty()) {
            throw new Unreadable("unknown field(s) " + fields.keySet());
        }
        if (record.schema != SCHEMA) {
            throw new Unreadable("schema version " + record.schema + ", expected " + SCHEMA);
        }
        return record;
    }

    /** Takes fields out of the parsed map, so that whatever is left over is unknown. */
    private record Reader(Map<String, Object> fields) {
        String string(String name) throws Unreadable {
            Object value = fields.remove(name);
            if (value != null && !(value instanceof String)) {
                throw new Unreadable("field '" + name + "' is not a string");
            }
            return (String) value;
        }

        Long number(String name) throws Unreadable {
            Object value = fields.remove(name);
            if (value != null && !(value instanceof Long)) {
                throw new Unreadable("field '" + name + "' is not an integer");
            }
            return (Long) value;
        }

        Integer integer(String name) throws Unreadable {
            Long value = number(name);
            if (value != null && (value > Integer.MAX_VALUE || value < Integer.MIN_VALUE)) {
                throw new Unreadable("field '" + name + "' is out of range");
            }
            return value == null ? null : value.intValue();
        }
    }
}
