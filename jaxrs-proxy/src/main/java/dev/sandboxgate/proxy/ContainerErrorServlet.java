package dev.sandboxgate.proxy;

import dev.sandboxgate.filter.Problems;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * The web application's error page in the gateway's format: map it as the {@code <error-page>} of the WAR, so that a
 * request the container refuses inside the application (Tomcat's invalid URI encodings, an unmapped path, an
 * exception that escaped) is answered {@code application/problem+json} with type
 * {@code urn:sandbox-gate:problem:container-<status>}, instead of the container's HTML page and stack trace. The body
 * names only the status: nothing of the request, no message, no exception.
 *
 * <pre>{@code
 * <servlet><servlet-name>ContainerErrors</servlet-name>
 *   <servlet-class>dev.sandboxgate.proxy.ContainerErrorServlet</servlet-class></servlet>
 * <servlet-mapping><servlet-name>ContainerErrors</servlet-name>
 *   <url-pattern>/sandbox-gate-error</url-pattern></servlet-mapping>
 * <error-page><location>/sandbox-gate-error</location></error-page>
 * }</pre>
 *
 * Requested directly (not as an error dispatch) it answers 404 in the same format.
 */
public class ContainerErrorServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (response.isCommitted()) {
            // A body already under way (the proxy aborts a relay this way): adding to it would pass the truncated
            // body off as something else; the container closes the connection after the error page.
            return;
        }
        int status = 404;
        if (request.getDispatcherType() == DispatcherType.ERROR
                && request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) instanceof Integer code) {
            status = code;
        }
        byte[] body = Problems.containerError(status);
        response.reset();
        response.setStatus(status >= 400 && status <= 599 ? status : 500);
        response.setContentType(Problems.MEDIA_TYPE);
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
