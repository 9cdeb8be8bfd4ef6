package dev.sandboxgate.benchmarks;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/** A response held in memory: status, headers and body, for what the filter writes itself (refusals, ids). */
final class InMemoryResponse extends HttpServletResponseWrapper {
    private static final HttpServletResponse UNSUPPORTED = Unsupported.of(HttpServletResponse.class);

    private final Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private int status = 200;
    private boolean committed;
    private ServletOutputStream output;

    InMemoryResponse() {
        super(UNSUPPORTED);
    }

    @Override
    public void setStatus(int status) {
        this.status = status;
    }

    @Override
    public int getStatus() {
        return status;
    }

    @Override
    public void setHeader(String name, String value) {
        headers.put(name, value);
    }

    @Override
    public void addHeader(String name, String value) {
        headers.merge(name, value, (a, b) -> a + ", " + b);
    }

    @Override
    public String getHeader(String name) {
        return headers.get(name);
    }

    @Override
    public boolean containsHeader(String name) {
        return headers.containsKey(name);
    }

    @Override
    public void setContentType(String type) {
        headers.put("Content-Type", type);
    }

    @Override
    public void setContentLength(int length) {
        headers.put("Content-Length", Integer.toString(length));
    }

    @Override
    public void setContentLengthLong(long length) {
        headers.put("Content-Length", Long.toString(length));
    }

    @Override
    public boolean isCommitted() {
        return committed;
    }

    @Override
    public void resetBuffer() {
        body.reset();
    }

    @Override
    public void flushBuffer() {
        committed = true;
    }

    @Override
    public ServletOutputStream getOutputStream() {
        if (output == null) {
            output = new ServletOutputStream() {
                @Override
                public void write(int b) {
                    body.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    body.write(b, off, len);
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setWriteListener(WriteListener listener) {
                    throw new UnsupportedOperationException("the filter writes refusals with blocking writes");
                }
            };
        }
        return output;
    }

    String bodyText() {
        return body.toString(StandardCharsets.UTF_8);
    }
}
