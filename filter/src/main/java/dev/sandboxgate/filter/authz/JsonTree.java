package dev.sandboxgate.filter.authz;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small body read strictly into plain Java values ({@link Map}, {@link List}, {@link String}, numbers as their text,
 * {@link Boolean}, null): duplicate keys (also when spelled with escapes), trailing content, anything that is not
 * JSON in UTF-8 without a byte order mark (Jackson alone would also read UTF-16 and UTF-32; the sandbox's
 * {@code serde_json} reads UTF-8 only) are refused, and so are nesting deeper than 64, keys longer than 1,024
 * characters and more than 100,000 tokens. Strings are bounded by the body's own bound ({@code acp-max-body}). Where
 * the sandbox's reader takes the last of two equal keys, this one refuses, so the gateway never authorizes a
 * different reading than the one acted on.
 */
final class JsonTree {
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxNameLength(1024)
                    .maxTokenCount(100_000).build())
            .build();

    /** A body that is not one strict JSON value; the message is safe to show. */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    private JsonTree() {
    }

    static Object parse(byte[] body) throws Invalid {
        if (!isPlainUtf8(body)) {
            throw new Invalid("The body is not UTF-8 JSON (a byte order mark, a NUL byte or invalid UTF-8).");
        }
        try (JsonParser json = JSON.createParser(body)) {
            JsonToken first = json.nextToken();
            if (first == null) {
                throw new Invalid("The body is empty.");
            }
            Object value = read(json, first);
            if (json.nextToken() != null) {
                throw new Invalid("The body holds something after its JSON value.");
            }
            return value;
        } catch (IOException e) {
            // Jackson's message may quote the body; only the fact is reported. Duplicate keys land here too.
            throw new Invalid("The body is not strict JSON (malformed, a repeated key, or nested too deeply).");
        }
    }

    /** Valid UTF-8 with no BOM and no NUL byte: what makes Jackson read the bytes as UTF-8, as the sandbox does. */
    private static boolean isPlainUtf8(byte[] body) {
        if (body.length >= 3 && (body[0] & 0xff) == 0xef && (body[1] & 0xff) == 0xbb && (body[2] & 0xff) == 0xbf) {
            return false;
        }
        for (byte b : body) {
            if (b == 0) {
                return false;
            }
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static Object read(JsonParser json, JsonToken token) throws IOException {
        switch (token) {
            case START_OBJECT: {
                Map<String, Object> object = new LinkedHashMap<>();
                while (json.nextToken() == JsonToken.FIELD_NAME) {
                    String name = json.currentName();
                    object.put(name, read(json, json.nextToken()));
                }
                return object;
            }
            case START_ARRAY: {
                List<Object> array = new ArrayList<>();
                for (JsonToken next = json.nextToken(); next != JsonToken.END_ARRAY; next = json.nextToken()) {
                    array.add(read(json, next));
                }
                return array;
            }
            case VALUE_STRING:
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return token == JsonToken.VALUE_STRING ? json.getText() : new Number(json.getText());
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw new IOException("unexpected token");
        }
    }

    /** A JSON number, kept as written. */
    record Number(String text) {
    }
}
