package dev.sandboxgate.filter;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writes RFC 9457 {@code application/problem+json} refusals: the one place where the gateway answers with an error of
 * its own. Details must never carry credentials, tokens, upstream URLs or exception text.
 */
public final class Problems {
    public static final String MEDIA_TYPE = "application/problem+json";

    private static final JsonFactory JSON = new JsonFactory();

    private Problems() {
    }

    /**
     * Answers {@code response} with the problem, unless it is already committed (then there is nothing left to say).
     *
     * @param detail    a human-readable explanation for this occurrence; safe to show to the caller
     * @param requestId the request id to echo, or null
     */
    public static void send(HttpServletResponse response, ProblemType type, String detail, String requestId)
            throws IOException {
        send(response, type, detail, requestId, null);
    }

    /**
     * Like {@link #send(HttpServletResponse, ProblemType, String, String)}, with the W3C trace id as member
     * {@code traceId} next to {@code requestId}.
     */
    public static void send(HttpServletResponse response, ProblemType type, String detail, String requestId,
                            String traceId) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        byte[] body = render(type, detail, requestId, traceId);
        response.resetBuffer();
        response.setStatus(type.status());
        response.setContentType(MEDIA_TYPE);
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        response.flushBuffer();
    }

    /**
     * The body for a request the container itself refused before the gateway's code could run (a malformed request
     * line, an invalid URI): {@code urn:sandbox-gate:problem:container-<status>}, a fixed title, nothing from the
     * request. The launcher's Jetty handler and the Tomcat valve ({@code sandbox-gate-tomcat}) write the same bytes.
     */
    public static byte[] containerError(int status) {
        int code = status >= 400 && status <= 599 ? status : 500;
        return ("{\"type\":\"urn:sandbox-gate:problem:container-" + code + "\",\"title\":\"" + CONTAINER_TITLE
                + "\",\"status\":" + code + "}").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static final String CONTAINER_TITLE = "Refused by the container";

    static byte[] render(ProblemType type, String detail, String requestId, String traceId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("type", type.uri());
            json.writeStringField("title", type.title());
            json.writeNumberField("status", type.status());
            if (detail != null) {
                json.writeStringField("detail", detail);
            }
            if (requestId != null) {
                json.writeStringField("requestId", requestId);
            }
            if (traceId != null) {
                json.writeStringField("traceId", traceId);
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
