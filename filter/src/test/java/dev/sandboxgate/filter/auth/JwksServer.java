package dev.sandboxgate.filter.auth;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** An identity provider's JWKS endpoint on 127.0.0.1, served by the test, counting how often it is fetched. */
final class JwksServer implements AutoCloseable {
    private final HttpServer server;
    private final AtomicInteger fetches = new AtomicInteger();
    private volatile String body = "{\"keys\":[]}";
    private volatile int status = 200;

    JwksServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.createContext("/jwks.json", exchange -> {
            fetches.incrementAndGet();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json";
    }

    /** Publishes exactly these keys, each {@code {kid, PublicKey}}. */
    JwksServer publish(Object[]... kidAndKey) {
        List<Object[]> keys = new ArrayList<>(List.of(kidAndKey));
        body = TestKeys.jwks(keys);
        status = 200;
        return this;
    }

    static Object[] key(String kid, PublicKey key) {
        return new Object[] {kid, key};
    }

    void answer(int status, String body) {
        this.status = status;
        this.body = body;
    }

    int fetches() {
        return fetches.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
