package dev.sandboxgate.filter.authz;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Rewrites the sandbox's answer to {@code GET /v1/acp} ({@code {"servers":[{"serverId":...},...]}}) to the entries
 * the caller may see. Returns null for a body it cannot read, which the proxy answers as a gateway error: an
 * unfiltered list must never pass.
 */
final class AcpListFilter implements UnaryOperator<byte[]> {
    private static final JsonFactory JSON = new JsonFactory();

    private final Predicate<String> visible;

    AcpListFilter(Predicate<String> visible) {
        this.visible = visible;
    }

    @Override
    public byte[] apply(byte[] body) {
        try {
            if (!(JsonTree.parse(body) instanceof Map<?, ?> answer)
                    || !(answer.get("servers") instanceof List<?> all)) {
                return null;
            }
            List<Object> kept = new ArrayList<>();
            for (Object server : all) {
                if (server instanceof Map<?, ?> entry && entry.get("serverId") instanceof String id
                        && visible.test(id)) {
                    kept.add(server);
                }
            }
            Map<Object, Object> filtered = new LinkedHashMap<>(answer);
            filtered.put("servers", kept);
            ByteArrayOutputStream out = new ByteArrayOutputStream(body.length);
            try (JsonGenerator json = JSON.createGenerator(out)) {
                write(json, filtered);
            }
            return out.toByteArray();
        } catch (JsonTree.Invalid | IOException e) {
            return null;
        }
    }

    private static void write(JsonGenerator json, Object value) throws IOException {
        if (value instanceof Map<?, ?> object) {
            json.writeStartObject();
            for (Map.Entry<?, ?> field : object.entrySet()) {
                json.writeFieldName((String) field.getKey());
                write(json, field.getValue());
            }
            json.writeEndObject();
        } else if (value instanceof List<?> array) {
            json.writeStartArray();
            for (Object element : array) {
                write(json, element);
            }
            json.writeEndArray();
        } else if (value instanceof String text) {
            json.writeString(text);
        } else if (value instanceof JsonTree.Number number) {
            json.writeNumber(number.text());
        } else if (value instanceof Boolean flag) {
            json.writeBoolean(flag);
        } else {
            json.writeNull();
        }
    }
}
