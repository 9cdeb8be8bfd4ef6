package dev.sandboxgate.benchmarks;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.ByteArrayInputStream;
import java.security.Principal;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A request as the container hands it to the filter, held in memory: method, the raw URI under the {@code /sandbox}
 * mount, headers, attributes and a body. {@link #copy()} gives a fresh one (new attributes, body unread) from the same
 * immutable parts, so each benchmark invocation sees a request nobody has touched, as in a container.
 */
final class InMemoryRequest extends HttpServletRequestWrapper {
    static final String MOUNT = "/sandbox";
    private static final HttpServletRequest UNSUPPORTED = Unsupported.of(HttpServletRequest.class);

    private final String method;
    private final String uri;
    private final String query;
    private final Map<String, List<String>> headers; // lower-case names
    private final List<String> headerNames;
    private final byte[] body;
    private final Map<String, Object> attributes = new HashMap<>();
    private ServletInputStream input;

    private InMemoryRequest(String method, String uri, String query, Map<String, List<String>> headers,
                            List<String> headerNames, byte[] body) {
        super(UNSUPPORTED);
        this.method = method;
        this.uri = uri;
        this.query = query;
        this.headers = headers;
        this.headerNames = headerNames;
        this.body = body;
    }

    /** {@code pathAndQuery} below the mount, e.g. {@code /ws_1/v1/fs/file?path=/workspace/a.txt}. */
    static InMemoryRequest of(String method, String pathAndQuery, Map<String, String> headers, byte[] body) {
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        String query = q < 0 ? null : pathAndQuery.substring(q + 1);
        Map<String, List<String>> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, value) -> byName.put(name, List.of(value)));
        if (body != null) {
            byName.put("Content-Length", List.of(Integer.toString(body.length)));
        }
        byName.put("Host", List.of("127.0.0.1:8080"));
        return new InMemoryRequest(method, MOUNT + path, query, Collections.unmodifiableMap(byName),
                List.copyOf(byName.keySet()), body);
    }

    InMemoryRequest copy() {
        return new InMemoryRequest(method, uri, query, headers, headerNames, body);
    }

    @Override
    public String getMethod() {
        return method;
    }

    @Override
    public String getRequestURI() {
        return uri;
    }

    @Override
    public String getContextPath() {
        return "";
    }

    @Override
    public String getServletPath() {
        return MOUNT;
    }

    @Override
    public String getPathInfo() {
        return uri.substring(MOUNT.length());
    }

    @Override
    public String getQueryString() {
        return query;
    }

    @Override
    public String getScheme() {
        return "http";
    }

    @Override
    public String getRemoteAddr() {
        return "127.0.0.1";
    }

    @Override
    public DispatcherType getDispatcherType() {
        return DispatcherType.REQUEST;
    }

    @Override
    public boolean isAsyncStarted() {
        return false;
    }

    @Override
    public Principal getUserPrincipal() {
        return null; // no container login: the gate's own authenticators decide
    }

    @Override
    public String getHeader(String name) {
        List<String> values = headers.get(name);
        return values == null ? null : values.get(0);
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
        return Collections.enumeration(headers.getOrDefault(name, List.of()));
    }

    @Override
    public Enumeration<String> getHeaderNames() {
        return Collections.enumeration(headerNames);
    }

    @Override
    public String getContentType() {
        return getHeader("Content-Type");
    }

    @Override
    public long getContentLengthLong() {
        return body == null ? -1 : body.length;
    }

    @Override
    public int getContentLength() {
        return body == null ? -1 : body.length;
    }

    @Override
    public ServletInputStream getInputStream() {
        if (input == null) {
            input = new BodyStream(body == null ? new byte[0] : body);
        }
        return input;
    }

    @Override
    public Object getAttribute(String name) {
        return attributes.get(name);
    }

    @Override
    public void setAttribute(String name, Object value) {
        attributes.put(name, value);
    }

    @Override
    public void removeAttribute(String name) {
        attributes.remove(name);
    }

    @Override
    public Enumeration<String> getAttributeNames() {
        return Collections.enumeration(attributes.keySet());
    }

    @Override
    public String toString() {
        return method + " " + uri + (query == null ? "" : "?" + query) + " " + headers.keySet().toString()
                .toLowerCase(Locale.ROOT);
    }

    /** A body already received in full: reads never block. */
    private static final class BodyStream extends ServletInputStream {
        private final ByteArrayInputStream in;

        BodyStream(byte[] body) {
            this.in = new ByteArrayInputStream(body);
        }

        @Override
        public int read() {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            return in.read(b, off, len);
        }

        @Override
        public boolean isFinished() {
            return in.available() == 0;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
            throw new UnsupportedOperationException("the filter reads bodies it inspects with blocking reads");
        }
    }
}
