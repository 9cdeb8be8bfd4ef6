package dev.sandboxgate.sample;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's Chromium (package {@code chromium}, installed by {@code .ci/run}) in headless mode, driven over the Chrome
 * DevTools Protocol with the JDK's own WebSocket client: a real browser, with its real CORS and EventSource, for the
 * tests of browser apps on another origin. Bound to 127.0.0.1 and stopped by its PID.
 */
final class HeadlessChromium implements AutoCloseable {
    private static final Pattern PAGE_SOCKET = Pattern.compile(
            "\"type\"\\s*:\\s*\"page\"[^}]*?\"webSocketDebuggerUrl\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern RESULT_VALUE = Pattern.compile("\"result\":\\{\"type\":\"string\",\"value\":(\".*\")\\}");

    private final Process process;
    private final Path profile;
    private final WebSocket page;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<String>> pending = new ConcurrentHashMap<>();

    private HeadlessChromium(Process process, Path profile, WebSocket page) {
        this.process = process;
        this.profile = profile;
        this.page = page;
    }

    static Path binary() {
        for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
            if (Files.isExecutable(Paths.get(candidate))) {
                return Paths.get(candidate);
            }
        }
        throw new IllegalStateException("no chromium binary: install the Debian package 'chromium' (.ci/run does)");
    }

    static HeadlessChromium start() throws Exception {
        Path profile = Files.createTempDirectory("chromium-it");
        List<String> command = new ArrayList<>(List.of(binary().toString(), "--headless=new", "--disable-gpu",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                "--user-data-dir=" + profile, "about:blank"));
        if ("root".equals(System.getProperty("user.name"))) {
            command.add(1, "--no-sandbox"); // Chromium's sandbox refuses to run as root
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(profile.resolve("chromium.log").toFile()).start();
        Path portFile = profile.resolve("DevToolsActivePort");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(portFile) || Files.readAllLines(portFile).isEmpty()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IOException("chromium did not start: " + Files.readString(profile.resolve("chromium.log")));
            }
            Thread.sleep(50);
        }
        int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
        HttpClient http = HttpClient.newHttpClient();
        String targets = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher socket = PAGE_SOCKET.matcher(targets);
        if (!socket.find()) {
            process.destroyForcibly();
            throw new IOException("chromium has no page target: " + targets);
        }
        HeadlessChromium[] self = new HeadlessChromium[1];
        WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(socket.group(1)), new WebSocket.Listener() {
            private final StringBuilder message = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                message.append(data);
                if (last) {
                    self[0].received(message.toString());
                    message.setLength(0);
                }
                webSocket.request(1);
                return null;
            }
        }).get(10, TimeUnit.SECONDS);
        HeadlessChromium chromium = new HeadlessChromium(process, profile, ws);
        self[0] = chromium;
        return chromium;
    }

    private void received(String message) {
        Matcher id = Pattern.compile("^\\{\"id\":(\\d+)").matcher(message);
        if (id.find()) {
            CompletableFuture<String> answer = pending.remove(Integer.parseInt(id.group(1)));
            if (answer != null) {
                answer.complete(message);
            }
        }
    }

    private String call(String method, String params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<String> answer = new CompletableFuture<>();
        pending.put(id, answer);
        page.sendText("{\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + params + "}", true)
                .get(10, TimeUnit.SECONDS);
        return answer.get(30, TimeUnit.SECONDS);
    }

    void navigate(String url) throws Exception {
        call("Page.navigate", "{\"url\":\"" + url + "\"}");
    }

    /**
     * Evaluates {@code expression} (which must yield a string, or null while not ready) until it yields a string,
     * and returns it; null if it never did within {@code timeout}.
     */
    String awaitString(String expression, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String params = "{\"expression\":" + quote(expression) + ",\"returnByValue\":true}";
        while (System.nanoTime() < deadline) {
            Matcher value = RESULT_VALUE.matcher(call("Runtime.evaluate", params));
            if (value.find()) {
                return unquote(value.group(1));
            }
            Thread.sleep(200);
        }
        return null;
    }

    private static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    private static String unquote(String json) {
        return json.substring(1, json.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
    }

    @Override
    public void close() throws InterruptedException {
        page.abort();
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
