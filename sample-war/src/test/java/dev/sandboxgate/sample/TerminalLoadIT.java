package dev.sandboxgate.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * 200 terminal sockets at once, each echoing a 1 MiB stream of random bytes through a raw tty ({@code stty raw
 * -echo; cat}) of the real Sandbox Agent server, through a gateway whose heap is capped at 64 MiB: together three
 * times the cap passes through, so the gateway cannot have held the streams. Every byte must come back unchanged.
 */
class TerminalLoadIT {
    private static final String APP_TOKEN = "terminal-load-it-app-token-2d7a";
    private static final int SOCKETS = 200;
    private static final int STREAM = 1 << 20;
    private static final int CHUNK = 48 * 1024;
    private static final Pattern ID = Pattern.compile("\"id\":\"([^\"]+)\"");

    @Test
    void twoHundredTerminalsEchoAMebibyteEachThroughA64MiBGateway() throws Exception {
        try (SandboxAgentServer sandbox = SandboxAgentServer.start();
             GatewayProcess gateway = GatewayProcess.start(sandbox.url(), sandbox.token(), APP_TOKEN,
                     // One caller opens every socket: WebSocket sessions count against the stream caps (20 per caller,
                    // 100 per workspace by default) and each process start against the default bucket; lifted here.
                    List.of("-Xmx64m", "-XX:+ExitOnOutOfMemoryError", "-DMAX_STREAMS_PER_SUBJECT=0",
                            "-DMAX_STREAMS_PER_WORKSPACE=0", "-DRATE_LIMITS=off"))) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            String base = gateway.baseUrl("ws_load");
            allowProcesses(http, base, SOCKETS + 16); // the sandbox allows 64 by default
            List<Terminal> terminals = new ArrayList<>();
            for (int i = 0; i < SOCKETS; i++) {
                terminals.add(new Terminal(i, createRawCat(http, base)));
            }
            // All sockets open (and their ttys raw) before any stream starts: 200 at once, not one after another.
            List<CompletableFuture<Void>> ready = new ArrayList<>();
            for (Terminal terminal : terminals) {
                ready.add(terminal.open(http, base));
            }
            CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);

            List<CompletableFuture<Void>> echoed = new ArrayList<>();
            for (Terminal terminal : terminals) {
                echoed.add(terminal.stream());
            }
            CompletableFuture.allOf(echoed.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
            for (Terminal terminal : terminals) {
                assertThat(terminal.received).as("bytes echoed to terminal %d", terminal.index).isEqualTo(STREAM);
                assertThat(terminal.receivedDigest).as("terminal %d", terminal.index).isEqualTo(terminal.sentDigest);
            }
            assertThat(gateway.output()).doesNotContain("OutOfMemoryError");
            System.out.println("gateway peak RSS (VmHWM): " + peakRss(gateway.pid()));
            for (Terminal terminal : terminals) {
                terminal.socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
            }
        }
    }

    private static void allowProcesses(HttpClient http, String base, int max) throws IOException, InterruptedException {
        String config = "{\"maxConcurrentProcesses\":" + max + ",\"defaultRunTimeoutMs\":30000,"
                + "\"maxRunTimeoutMs\":300000,\"maxOutputBytes\":1048576,\"maxLogBytesPerProcess\":10485760,"
                + "\"maxInputBytesPerRequest\":65536}";
        HttpResponse<String> set = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/processes/config"))
                .header("Authorization", "Bearer " + APP_TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(config)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
    }

    private static String createRawCat(HttpClient http, String base) throws IOException, InterruptedException {
        // `read` waits until the socket is open, so the "READY" after stty cannot be printed before anyone listens.
        String body = "{\"command\":\"sh\",\"args\":[\"-c\",\"read x; stty raw -echo; printf READY; exec cat\"],"
                + "\"tty\":true,\"interactive\":true}";
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/processes"))
                .header("Authorization", "Bearer " + APP_TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        Matcher id = ID.matcher(created.body());
        assertThat(id.find()).isTrue();
        return id.group(1);
    }

    private static String peakRss(long pid) throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmHWM:")) {
                return line.substring(6).trim();
            }
        }
        return "unknown";
    }

    /** One terminal socket, as the SDK drives it: JSON input frames, binary output. */
    private static final class Terminal implements WebSocket.Listener {
        final int index;
        final String processId;
        final MessageDigest sent = sha256();
        final MessageDigest seen = sha256();
        final CompletableFuture<Void> rawMode = new CompletableFuture<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final StringBuilder beforeReady = new StringBuilder();
        WebSocket socket;
        volatile long received;
        volatile String sentDigest = "";
        volatile String receivedDigest = "";

        Terminal(int index, String processId) {
            this.index = index;
            this.processId = processId;
        }

        CompletableFuture<Void> open(HttpClient http, String base) {
            URI uri = URI.create(base.replace("http:", "ws:") + "/v1/processes/" + processId
                    + "/terminal/ws?access_token=" + APP_TOKEN);
            return http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(60)).buildAsync(uri, this)
                    .thenCompose(ws -> {
                        socket = ws;
                        return ws.sendText("{\"type\":\"input\",\"data\":\"go\\n\"}", true);
                    })
                    .thenCompose(ws -> rawMode);
        }

        CompletableFuture<Void> stream() {
            Random random = new Random(index);
            CompletableFuture<WebSocket> chain = CompletableFuture.completedFuture(socket);
            for (int offset = 0; offset < STREAM; offset += CHUNK) {
                int size = Math.min(CHUNK, STREAM - offset);
                chain = chain.thenCompose(ws -> { // each chunk made when it is sent, so the test holds little
                    byte[] chunk = new byte[size];
                    random.nextBytes(chunk);
                    sent.update(chunk);
                    return ws.sendText("{\"type\":\"input\",\"data\":\"" + Base64.getEncoder().encodeToString(chunk)
                            + "\",\"encoding\":\"base64\"}", true);
                });
            }
            return chain.thenCompose(ws -> {
                sentDigest = HexFormat.of().formatHex(sent.digest());
                return done;
            });
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            webSocket.request(1); // control frames ({"type":"ready"}); none expected after it
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            if (!rawMode.isDone()) {
                // Until "READY", output is the shell's cooked echo of "go": not part of the stream.
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                beforeReady.append(new String(bytes, StandardCharsets.ISO_8859_1));
                int at = beforeReady.indexOf("READY");
                if (at >= 0) {
                    byte[] rest = beforeReady.substring(at + 5).getBytes(StandardCharsets.ISO_8859_1);
                    rawMode.complete(null);
                    take(ByteBuffer.wrap(rest));
                }
            } else {
                take(data);
            }
            webSocket.request(1);
            return null;
        }

        private void take(ByteBuffer data) {
            received += data.remaining();
            seen.update(data);
            if (received >= STREAM && !done.isDone()) {
                receivedDigest = HexFormat.of().formatHex(seen.digest());
                done.complete(null);
            }
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            done.completeExceptionally(new IOException("terminal " + index + " closed: " + statusCode + " " + reason));
            rawMode.completeExceptionally(new IOException("terminal " + index + " closed: " + statusCode));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            done.completeExceptionally(error);
            rawMode.completeExceptionally(error);
        }

        private static MessageDigest sha256() {
            try {
                return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
