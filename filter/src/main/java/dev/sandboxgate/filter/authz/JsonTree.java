package dev.sandboxgate.filter.authz;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small body read strictly into plain Java values ({@link Map}, {@link List}, {@link String}, numbers as their text,
 * {@link Boolean}, null): duplicate keys, trailing content, nesting deeper than 64 and anything that is not JSON are
 * refused. Where the sandbox's reader takes the last of two equal keys, this one refuses, so the gateway never
 * authorizes a different reading than the one acted on.
 */
final class JsonTree {
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
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
