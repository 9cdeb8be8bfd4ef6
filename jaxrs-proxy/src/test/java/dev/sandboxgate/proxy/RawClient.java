package dev.sandboxgate.proxy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Sends a request exactly as written, for tests that need what ordinary clients refuse to send (hop-by-hop headers,
 * odd encodings) or to read the response as bytes on the wire: whether a body was complete, which headers came.
 */
public final class RawClient {
    private RawClient() {
    }

    /**
     * A response as it arrived.
     *
     * @param head     the status line and header lines as text
     * @param headers  header values by lower-case name
     * @param body     the body, de-chunked, as far as it arrived
     * @param complete whether the body ended as its framing says (all of Content-Length, or the final zero chunk);
     *                 a body delimited by the connection's close counts as complete when the close was orderly
     */
    public record Response(int status, String head, Map<String, List<String>> headers, byte[] body,
                           boolean complete) {
        public String first(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null ? null : values.get(0);
        }

        public List<String> all(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The head and body as one text, for scanning what the client was shown. */
        public String wholeText() {
            return head + "\r\n\r\n" + new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * Sends {@code head} (lines without the final blank line) and {@code body} on a fresh connection and reads the
     * response; add {@code Connection: close} to the head so that the gateway ends the connection afterwards.
     */
    public static Response exchange(String baseUrl, String head, byte[] body) throws IOException {
        try (Connection connection = open(baseUrl, 0)) {
            connection.send(head);
            if (body != null) {
                connection.sendBytes(body);
            }
            return connection.readResponse(head.startsWith("HEAD "));
        }
    }

    /** Opens a connection; a {@code receiveBuffer} above zero sets a small socket receive buffer (a slow reader). */
    public static Connection open(String baseUrl, int receiveBuffer) throws IOException {
        URI uri = URI.create(baseUrl);
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer); // before connecting, so that the window is small from the start
        }
        socket.setSoTimeout(10_000);
        socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5_000);
        return new Connection(socket);
    }

    /** One client connection, driven step by step by the test. */
    public static final class Connection implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        private Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        public Socket socket() {
            return socket;
        }

        public InputStream input() {
            return in;
        }

        /** Sends a request head: {@code head} holds its lines without the final blank line. */
        public void send(String head) throws IOException {
            sendBytes((head + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        }

        public void sendBytes(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        public void sendChunk(byte[] data) throws IOException {
            RawUpstream.writeChunk(out, data);
        }

        public void sendLastChunk() throws IOException {
            RawUpstream.writeLastChunk(out);
        }

        /** Reads the status line and headers; the body is left to {@link #input()}. */
        public Response readHead() throws IOException {
            List<String> lines = new ArrayList<>();
            String line;
            while ((line = RawUpstream.readLine(in)) != null && !line.isEmpty()) {
                lines.add(line);
            }
            if (lines.isEmpty()) {
                throw new IOException("the connection closed before a response head arrived");
            }
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (String header : lines.subList(1, lines.size())) {
                int colon = header.indexOf(':');
                headers.computeIfAbsent(header.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        k -> new ArrayList<>()).add(header.substring(colon + 1).trim());
            }
            int status = Integer.parseInt(lines.get(0).split(" ")[1]);
            return new Response(status, String.join("\r\n", lines), headers, new byte[0], false);
        }

        /** Reads a whole response, noting whether its body arrived complete; never throws for a broken body. */
        public Response readResponse(boolean toHead) throws IOException {
            Response head = readHead();
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            boolean complete;
            try {
                String encoding = head.first("transfer-encoding");
                String length = head.first("content-length");
                if (toHead || head.status() == 204 || head.status() == 304) {
                    complete = true;
                } else if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
                    complete = RawUpstream.readChunks(in, body, null);
                } else if (length != null) {
                    long expected = Long.parseLong(length);
                    byte[] buffer = new byte[16 * 1024];
                    int n;
                    while (body.size() < expected
                            && (n = in.read(buffer, 0, (int) Math.min(buffer.length, expected - body.size()))) >= 0) {
                        body.write(buffer, 0, n);
                    }
                    complete = body.size() == expected;
                } else {
                    in.transferTo(body);
                    complete = true;
                }
            } catch (IOException | RuntimeException broken) {
                complete = false;
            }
            return new Response(head.status(), head.head(), head.headers(), body.toByteArray(), complete);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
