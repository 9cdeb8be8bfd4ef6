package dev.sandboxgate.proxy;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted HTTP/1.1 upstream on a raw socket, standing in for the Sandbox Agent server only where a test needs
 * behaviour the real server cannot be made to show (a silent server, a reset mid-stream, a 1 GiB body) or needs to
 * observe the wire exactly (the request line as received, the moment the gateway closes the connection).
 */
public final class RawUpstream implements AutoCloseable {

    /** The request head as it arrived on the wire. */
    public record Head(String requestLine, Map<String, List<String>> headers) {
        public String target() {
            return requestLine.split(" ")[1];
        }

        public String first(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null ? null : values.get(0);
        }

        public long contentLength() {
            String value = first("content-length");
            return value == null ? -1 : Long.parseLong(value);
        }
    }

    /**
     * A request body as the upstream read it.
     *
     * @param complete whether the body ended as its framing says (all of Content-Length, or the final zero chunk)
     */
    public record Body(byte[] bytes, boolean complete) {
    }

    /** What the script does with one request; the socket closes when it returns. */
    @FunctionalInterface
    public interface Script {
        void handle(Head head, InputStream body, OutputStream out) throws IOException, InterruptedException;
    }

    private static final ThreadLocal<RawUpstream> CURRENT_UPSTREAM = new ThreadLocal<>();
    private static final ThreadLocal<Socket> CURRENT_CONNECTION = new ThreadLocal<>();

    private final ServerSocket socket;
    private final Script script;
    private final BlockingQueue<Head> received = new LinkedBlockingQueue<>();
    private final BlockingQueue<Long> closedAt = new LinkedBlockingQueue<>();
    private final List<Socket> connections = new ArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();

    public RawUpstream(Script script) throws IOException {
        this.socket = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        this.script = script;
        Thread acceptor = new Thread(this::acceptLoop, "raw-upstream-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** An upstream that answers every request {@code 200 {"status":"ok"}} without reading a body. */
    public static RawUpstream healthy() throws IOException {
        return new RawUpstream((head, in, out) -> respond(out, 200, "application/json",
                "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8)));
    }

    /** An upstream that reads each request head and never answers, as Sandbox Agent's DELETE /v1/acp/{id} can. */
    public static RawUpstream silent() throws IOException {
        return new RawUpstream((head, in, out) -> current().awaitPeerClose(in));
    }

    /**
     * An upstream that answers every request with an event stream, one event every 50 ms, until the gateway lets go
     * of the connection or {@code maxEvents} have gone out (a bound on a test that hangs, not a length to wait for).
     */
    public static RawUpstream endlessEvents(int maxEvents) throws IOException {
        return new RawUpstream((head, in, out) -> {
            PeerWatch watch = current().watchPeerClose(in);
            writeHead(out, 200, "Content-Type: text/event-stream", "Transfer-Encoding: chunked");
            for (int i = 0; i < maxEvents && !watch.closed(); i++) {
                writeChunk(out, ("id: " + i + "\ndata: {}\n\n").getBytes(StandardCharsets.UTF_8));
                Thread.sleep(50);
            }
        });
    }

    /** The upstream whose script the calling thread runs: for scripts that record closes. */
    public static RawUpstream current() {
        return CURRENT_UPSTREAM.get();
    }

    public String url() {
        return "http://127.0.0.1:" + socket.getLocalPort();
    }

    /** The next request head the upstream received, or null if none arrives in time. */
    public Head nextRequest(long timeout, TimeUnit unit) throws InterruptedException {
        return received.poll(timeout, unit);
    }

    public int requestCount() {
        return received.size();
    }

    /** How many connections the gateway has opened to this upstream so far. */
    public int connectionCount() {
        return accepted.get();
    }

    /** {@link System#nanoTime()} at which the gateway closed a connection (seen by a read returning -1 or failing). */
    public Long nextClose(long timeout, TimeUnit unit) throws InterruptedException {
        return closedAt.poll(timeout, unit);
    }

    /** Blocks reading until the gateway closes the connection, and records when: for scripts that never answer. */
    public void awaitPeerClose(InputStream in) {
        try {
            while (in.read() >= 0) {
                // discard
            }
        } catch (IOException closed) {
            // reset: closed too
        }
        closedAt.add(System.nanoTime());
    }

    /**
     * Watches, on a thread of its own, for the gateway closing the connection while the script is busy writing, and
     * records when (as {@link #awaitPeerClose} does). For scripts that stream a response: they read nothing more.
     */
    public PeerWatch watchPeerClose(InputStream in) {
        PeerWatch watch = new PeerWatch();
        Thread watcher = new Thread(() -> {
            awaitPeerClose(in);
            watch.closed = true;
        }, "raw-upstream-peer-watch");
        watcher.setDaemon(true);
        watcher.start();
        return watch;
    }

    /** Whether the gateway has closed the connection a {@link #watchPeerClose} watches. */
    public static final class PeerWatch {
        private volatile boolean closed;

        public boolean closed() {
            return closed;
        }
    }

    /** A whole response with {@code Content-Length} and {@code Connection: close}; {@code headers} are raw lines. */
    public static void respond(OutputStream out, int status, String contentType, byte[] body, String... headers)
            throws IOException {
        List<String> lines = new ArrayList<>(List.of(headers));
        lines.add("Content-Type: " + contentType);
        lines.add("Content-Length: " + body.length);
        lines.add("Connection: close");
        writeHead(out, status, lines.toArray(String[]::new));
        out.write(body);
        out.flush();
    }

    /** Writes one chunk of a {@code Transfer-Encoding: chunked} body and flushes it. */
    public static void writeChunk(OutputStream out, byte[] data) throws IOException {
        out.write((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(data);
        out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Writes the zero chunk that ends a chunked body. */
    public static void writeLastChunk(OutputStream out) throws IOException {
        out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /**
     * Reads the request body as framed by {@code head} (Content-Length, chunked, or none). A body that breaks off is
     * returned as far as it arrived, marked incomplete, instead of failing.
     */
    public static Body readBody(Head head, InputStream in) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String encoding = head.first("transfer-encoding");
        try {
            if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
                return new Body(body.toByteArray(), readChunks(in, body, null));
            }
            long length = Math.max(0, head.contentLength());
            byte[] buffer = new byte[16 * 1024];
            while (body.size() < length) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, length - body.size()));
                if (n < 0) {
                    return new Body(body.toByteArray(), false);
                }
                body.write(buffer, 0, n);
            }
            return new Body(body.toByteArray(), true);
        } catch (IOException broken) {
            return new Body(body.toByteArray(), false);
        }
    }

    /**
     * Decodes a chunked body from {@code in} into {@code body}, calling {@code onChunk} (if given) after each chunk.
     * Returns whether the final zero chunk arrived.
     */
    static boolean readChunks(InputStream in, ByteArrayOutputStream body, Runnable onChunk) throws IOException {
        while (true) {
            String sizeLine = readLine(in);
            if (sizeLine == null) {
                return false;
            }
            int semicolon = sizeLine.indexOf(';');
            int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
            if (size == 0) {
                String trailer;
                do {
                    trailer = readLine(in);
                    if (trailer == null) {
                        return false;
                    }
                } while (!trailer.isEmpty());
                return true;
            }
            byte[] data = in.readNBytes(size);
            body.write(data);
            if (data.length < size) {
                return false;
            }
            // Before the CRLF that ends the chunk: Jetty's client sends it with the next chunk's size line.
            if (onChunk != null) {
                onChunk.run();
            }
            if (readLine(in) == null) {
                return false;
            }
        }
    }

    /** One CRLF-terminated line without its terminator, or null at end of stream. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                return line.toString(StandardCharsets.ISO_8859_1).replaceAll("\r$", "");
            }
            line.write(b);
        }
        if (line.size() > 0) {
            throw new EOFException("stream ended inside a line");
        }
        return null;
    }

    /** Writes a response head; {@code headers} are raw header lines. */
    public static void writeHead(OutputStream out, int status, String... headers) throws IOException {
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append(" X\r\n");
        for (String header : headers) {
            head.append(header).append("\r\n");
        }
        out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            try {
                Socket connection = socket.accept();
                accepted.incrementAndGet();
                synchronized (connections) {
                    connections.add(connection);
                }
                Thread worker = new Thread(() -> serve(connection), "raw-upstream-conn");
                worker.setDaemon(true);
                worker.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Aborts the connection the calling script serves with a TCP reset (RST), as a crashing server would. */
    public static void resetConnection() throws IOException {
        Socket connection = CURRENT_CONNECTION.get();
        connection.setSoLinger(true, 0);
        connection.close();
    }

    private void serve(Socket connection) {
        CURRENT_UPSTREAM.set(this);
        CURRENT_CONNECTION.set(connection);
        try (connection) {
            InputStream in = connection.getInputStream();
            OutputStream out = connection.getOutputStream();
            Head head = readHead(in);
            if (head == null) {
                return;
            }
            received.add(head);
            script.handle(head, in, out);
            out.flush();
        } catch (IOException e) {
            closedAt.add(System.nanoTime());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Head readHead(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        List<String> lines = new ArrayList<>();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1).replaceAll("\r$", "");
                line.reset();
                if (text.isEmpty()) {
                    break;
                }
                lines.add(text);
            } else {
                line.write(b);
            }
        }
        if (lines.isEmpty()) {
            return null;
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String header : lines.subList(1, lines.size())) {
            int colon = header.indexOf(':');
            headers.computeIfAbsent(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(header.substring(colon + 1).trim());
        }
        return new Head(lines.get(0), headers);
    }

    @Override
    public void close() throws IOException {
        socket.close();
        synchronized (connections) {
            for (Socket connection : connections) {
                connection.close();
            }
        }
    }
}
