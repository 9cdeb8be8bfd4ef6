package dev.sandboxgate.proxy;

import dev.sandboxgate.filter.health.ReadinessCheck;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Readiness of one sandbox: {@code GET /v1/health} with its token answers 200. Named by the sandbox's id only: its
 * URL and token never appear in the health answer.
 */
final class SandboxProbe implements ReadinessCheck {
    /** Bounds the probe itself; the health endpoint bounds the wait for it too. */
    static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final HttpClient client;
    private final SandboxDirectory.Sandbox sandbox;

    SandboxProbe(HttpClient client, SandboxDirectory.Sandbox sandbox) {
        this.client = client;
        this.sandbox = sandbox;
    }

    @Override
    public String name() {
        return "sandbox:" + sandbox.id();
    }

    @Override
    public Result check() {
        HttpRequest request = HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/v1/health"))
                .timeout(TIMEOUT).header("Authorization", "Bearer " + sandbox.token()).GET().build();
        try {
            int status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            return status == 200 ? Result.ready() : Result.down("answered " + status);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.down("interrupted");
        } catch (Exception e) {
            // The class only: messages may name the host.
            return Result.down("unreachable (" + e.getClass().getSimpleName() + ")");
        }
    }
}
