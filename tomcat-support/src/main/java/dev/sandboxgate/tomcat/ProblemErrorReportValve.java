package dev.sandboxgate.tomcat;

import java.io.IOException;
import java.io.Writer;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;

/**
 * Tomcat's error report in the gateway's format. Tomcat refuses some requests before any web application sees them
 * (an invalid percent-encoding or a {@code %2F} in the path, a malformed request line) and reports those with its
 * host's error report valve, which a WAR's {@code <error-page>} cannot replace. Install this one instead, with this
 * jar in {@code $CATALINA_BASE/lib}:
 *
 * <pre>{@code <Host name="localhost" appBase="webapps"
 *       errorReportValveClass="dev.sandboxgate.tomcat.ProblemErrorReportValve">}</pre>
 *
 * Every error response that nothing else wrote a body for becomes {@code application/problem+json} with type
 * {@code urn:sandbox-gate:problem:container-<status>} and a fixed title (as the gateway's
 * {@code ContainerErrorServlet} and the launcher's Jetty answer): no HTML, no message, no stack trace, no server
 * version, nothing of the request.
 */
public class ProblemErrorReportValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return; // not an error, or one that already has its body
        }
        String body = body(status);
        try {
            response.setContentType("application/problem+json");
            response.setHeader("Cache-Control", "no-store");
            response.setContentLength(body.length());
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(body);
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // the client is gone, or the response could not take a body: nothing more to say
        }
    }

    /** Only the status goes in: nothing needs escaping. The same bytes as the gateway's own container refusals. */
    static String body(int status) {
        return "{\"type\":\"urn:sandbox-gate:problem:container-" + status
                + "\",\"title\":\"Refused by the container\",\"status\":" + status + "}";
    }
}
