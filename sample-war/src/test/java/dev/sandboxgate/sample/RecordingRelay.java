package dev.sandboxgate.sample;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TCP relay in front of a real upstream, on 127.0.0.1 and a free port, that records every byte sent to the upstream:
 * the test's view of what reached the sandbox. Bytes pass through unchanged, both ways; a refusal by the gateway shows
 * here as nothing recorded. Each connection's bytes are kept apart and read as HTTP/1.1 requests, so that requests
 * are found however connections interleave.
 */
final class RecordingRelay implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress target;
    private final List<Recorded> connections = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    /** Bytes sent to the upstream so far, over all connections; guarded by {@code this}. */
    private int total;

    /** One connection's bytes towards the upstream, and for each read, where it starts and the total before it. */
    private static final class Recorded {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<int[]> reads = new ArrayList<>();
    }

    RecordingRelay(String upstreamUrl) throws IOException {
        URI uri = URI.create(upstreamUrl);
        this.target = new InetSocketAddress(uri.getHost(), uri.getPort());
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "relay-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** How many bytes have been sent to the upstream so far; pass to {@link #requestsSince}. */
    synchronized int mark() {
        return total;
    }

    /** Everything sent to the upstream so far, connection after connection, as ISO-8859-1 text. */
    synchronized String all() {
        StringBuilder all = new StringBuilder();
        for (Recorded connection : connections) {
            all.append(new String(connection.bytes.toByteArray(), StandardCharsets.ISO_8859_1));
        }
        return all.toString();
    }

    /** The requests ({@code METHOD target}) whose first byte reached the upstream after {@code mark}, in order. */
    synchronized List<String> requestsSince(int mark) {
        List<int[]> arrivals = new ArrayList<>(); // {arrival, connection, start}
        List<String> lines = new ArrayList<>();
        for (Recorded connection : connections) {
            byte[] bytes = connection.bytes.toByteArray();
            for (int start : requestStarts(bytes)) {
                int arrival = 0;
                for (int[] read : connection.reads) {
                    if (read[0] <= start) {
                        arrival = read[1] + (start - read[0]);
                    }
                }
                if (arrival >= mark) {
                    int end = indexOf(bytes, "\r\n", start);
                    String line = new String(bytes, start, end - start, StandardCharsets.ISO_8859_1);
                    arrivals.add(new int[] {arrival, lines.size()});
                    lines.add(line.substring(0, line.lastIndexOf(' ')));
                }
            }
        }
        arrivals.sort((a, b) -> Integer.compare(a[0], b[0]));
        List<String> ordered = new ArrayList<>();
        for (int[] arrival : arrivals) {
            ordered.add(lines.get(arrival[1]));
        }
        return ordered;
    }

    /** Where each complete request head starts in one connection's bytes (bodies skipped by their framing). */
    private static List<Integer> requestStarts(byte[] bytes) {
        List<Integer> starts = new ArrayList<>();
        int at = 0;
        while (at < bytes.length) {
            int headEnd = indexOf(bytes, "\r\n\r\n", at);
            if (headEnd < 0) {
                break;
            }
            starts.add(at);
            String head = new String(bytes, at, headEnd - at, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
            at = headEnd + 4;
            Matcher length = Pattern.compile("\r\ncontent-length: *(\\d+)").matcher(head);
            if (length.find()) {
                at += Integer.parseInt(length.group(1));
            } else if (head.contains("\r\ntransfer-encoding: chunked")) {
                while (true) {
                    int lineEnd = indexOf(bytes, "\r\n", at);
                    if (lineEnd < 0) {
                        return starts;
                    }
                    int size = Integer.parseInt(new String(bytes, at, lineEnd - at, StandardCharsets.ISO_8859_1)
                            .split(";")[0].trim(), 16);
                    at = lineEnd + 2 + size + 2;
                    if (size == 0) {
                        break;
                    }
                }
            }
        }
        return starts;
    }

    private static int indexOf(byte[] bytes, String text, int from) {
        byte[] needle = text.getBytes(StandardCharsets.ISO_8859_1);
        outer:
        for (int i = from; i <= bytes.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (bytes[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(target, 5_000);
                sockets.add(client);
                sockets.add(upstream);
                Recorded recorded = new Recorded();
                connections.add(recorded);
                pump(client.getInputStream(), upstream.getOutputStream(), recorded, upstream);
                pump(upstream.getInputStream(), client.getOutputStream(), null, client);
            } catch (IOException e) {
                // closed, or the upstream is gone: the gateway sees its connection fail
            }
        }
    }

    private void pump(InputStream in, OutputStream out, Recorded recorded, Socket sink) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (recorded != null) {
                        synchronized (this) {
                            recorded.reads.add(new int[] {recorded.bytes.size(), total});
                            recorded.bytes.write(buffer, 0, n);
                            total += n;
                        }
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
                sink.shutdownOutput();
            } catch (IOException e) {
                closeQuietly(sink);
            }
        }, "relay-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        sockets.forEach(RecordingRelay::closeQuietly);
    }
}
