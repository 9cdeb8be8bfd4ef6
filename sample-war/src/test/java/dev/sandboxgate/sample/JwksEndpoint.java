package dev.sandboxgate.sample;

import com.sun.net.httpserver.HttpServer;
import io.jsonwebtoken.security.Jwks;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.concurrent.atomic.AtomicInteger;

/** An identity provider's JWKS endpoint, on 127.0.0.1, publishing one signing key; counts its fetches. */
final class JwksEndpoint implements AutoCloseable {
    private final HttpServer server;
    private final AtomicInteger fetches = new AtomicInteger();

    JwksEndpoint(String kid, PublicKey key) throws IOException {
        byte[] body = ("{\"keys\":[" + Jwks.json(Jwks.builder().key(key).id(kid).build()) + "]}")
                .getBytes(StandardCharsets.UTF_8);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.createContext("/realms/demo/protocol/openid-connect/certs", exchange -> {
            fetches.incrementAndGet();
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/realms/demo/protocol/openid-connect/certs";
    }

    int fetches() {
        return fetches.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
