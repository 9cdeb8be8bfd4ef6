package dev.sandboxgate.launcher;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own refusals as {@code application/problem+json} instead of HTML error pages: requests Jetty rejects
 * before any of the WAR's code runs (a malformed request line, an ambiguous URI such as {@code %2F} in the path, a
 * path outside the mount). The body names only the status (type {@code urn:sandbox-gate:problem:container-<status>}),
 * never the request, a message or a stack trace. The WAR's own refusals are written by its {@code Problems}.
 */
final class ContainerErrors {
    private static final String MEDIA_TYPE = "application/problem+json";

    private ContainerErrors() {
    }

    /** For the server: parser-level rejections and errors outside any context. */
    static ErrorHandler forServer() {
        return new ErrorHandler() {
            @Override
            protected boolean generateAcceptableResponse(Request request, Response response, Callback callback,
                                                         String contentType, List<Charset> charsets, int code,
                                                         String message, Throwable cause) {
                writeProblem(response, callback, code);
                return true;
            }

            @Override
            public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
                fields.put(HttpHeader.CONTENT_TYPE, MEDIA_TYPE);
                return ByteBuffer.wrap(body(status));
            }
        };
    }

    /** For the web application: errors the servlet container raises inside it (ambiguous URIs, unknown paths). */
    static ErrorPageErrorHandler forWebapp() {
        return new ErrorPageErrorHandler() {
            @Override
            protected boolean generateAcceptableResponse(Request request, Response response, Callback callback,
                                                         String contentType, List<Charset> charsets, int code,
                                                         String message, Throwable cause) {
                writeProblem(response, callback, code);
                return true;
            }
        };
    }

    private static void writeProblem(Response response, Callback callback, int status) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, MEDIA_TYPE);
        response.write(true, ByteBuffer.wrap(body(status)), callback);
    }

    /**
     * Only the status goes in, so nothing needs escaping. The same bytes as the WAR's {@code Problems.containerError}
     * (which this class loader cannot see) and the Tomcat valve.
     */
    static byte[] body(int status) {
        return ("{\"type\":\"urn:sandbox-gate:problem:container-" + status
                + "\",\"title\":\"Refused by the container\",\"status\":" + status + "}")
                .getBytes(StandardCharsets.US_ASCII);
    }
}
