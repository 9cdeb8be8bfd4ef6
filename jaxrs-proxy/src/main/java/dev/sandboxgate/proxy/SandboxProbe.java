package dev.sandboxgate.proxy;

import dev.sandboxgate.filter.health.ReadinessCheck;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Readiness of one sandbox: {@code GET /v1/health} with its token answers 200. Named by the sandbox's id only: its
 * URL and token never appear in the health answer.
 */
final class SandboxProbe implements ReadinessCheck {
    /** Bounds the probe itself; the health endpoint bounds the wait for it too. */
    static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final Upstream upstream;
    private final SandboxDirectory.Sandbox sandbox;

    SandboxProbe(Upstream upstream, SandboxDirectory.Sandbox sandbox) {
        this.upstream = upstream;
        this.sandbox = sandbox;
    }

    @Override
    public String name() {
        return "sandbox:" + sandbox.id();
    }

    @Override
    public Result check() {
        try {
            int status = upstream.newRequest(URI.create(sandbox.baseUrl() + "/v1/health"), "GET")
                    .timeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .headers(headers -> headers.put("Authorization", "Bearer " + sandbox.token()))
                    .send().getStatus();
            return status == 200 ? Result.ready() : Result.down("answered " + status);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.down("interrupted");
        } catch (Exception e) {
            // The class only: messages may name the host.
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            return Result.down("unreachable (" + cause.getClass().getSimpleName() + ")");
        }
    }
}
