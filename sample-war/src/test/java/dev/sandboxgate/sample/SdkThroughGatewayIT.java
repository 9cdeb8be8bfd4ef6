package dev.sandboxgate.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Our compatibility contract: the official TypeScript SDK ({@code e2e/sdk-flow.mjs}, sandbox-agent 0.4.2) works
 * unchanged through the gateway with {@code baseUrl} = the gateway's mount URL and {@code token} = the caller's own
 * credential, against the real Sandbox Agent server.
 */
class SdkThroughGatewayIT {
    private static final String APP_TOKEN = "sdk-it-app-token-4be1";

    @RegisterExtension
    @Order(1)
    static final PerClass<SandboxAgentServer> sandbox = PerClass.start(SandboxAgentServer::start);
    @RegisterExtension
    @Order(2)
    static final PerClass<GatewayProcess> gateway = PerClass.start(() -> GatewayProcess.start(sandbox.get().url(),
            sandbox.get().token(), APP_TOKEN, List.of()));

    @AfterAll
    static void noSecretInTheGatewayOutput() throws Exception {
        assertThat(gateway.get().output()).as("gateway output")
                .doesNotContain(sandbox.get().token()).doesNotContain(APP_TOKEN);
    }

    @Test
    void sdkFlowWorksThroughTheGatewayWithTheCallersToken() throws Exception {
        SdkFlow.Run run = sdkFlow(APP_TOKEN, "--fs-root", sandbox.get().scratch().resolve("sdk-fs").toString());
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.stepNames()).containsExactly("health", "agents", "session", "fs", "process", "mcp", "close");
        assertThat(run.steps()).allMatch(step -> step.contains("\"ok\":true"));
        assertThat(run.output()).doesNotContain(sandbox.get().token());
        assertAgentProcessesEnd();
    }

    /**
     * The SDK's dispose sends {@code DELETE /v1/acp/{id}}, which the server answers only once the client goes away
     * (the SDK aborts after 2 s). No container sees a caller leave before a response byte was written, so the
     * gateway's acp-delete-timeout (5 s) is what ends that exchange, and with it the agent process.
     */
    private static void assertAgentProcessesEnd() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (sandbox.get().liveAgentProcesses() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(sandbox.get().liveAgentProcesses()).as("agent processes alive after dispose").isZero();
    }

    @Test
    void streamedChunksArriveAsTheAgentSendsThemNotBuffered() throws Exception {
        SdkFlow.Run run = sdkFlow(APP_TOKEN, "--fs-root", sandbox.get().scratch().resolve("sdk-fs-2").toString());
        assertThat(run.exitCode()).as(run.output()).isZero();
        List<Double> times = run.chunkTimes();
        assertThat(times).hasSize(5);
        for (int i = 1; i < times.size(); i++) {
            assertThat(times.get(i) - times.get(i - 1)).as("gap before chunk %d in %s", i + 1, times)
                    .isGreaterThanOrEqualTo(250.0);
        }
    }

    @Test
    void tamperedTokenIsRefusedWith401() throws Exception {
        String tampered = APP_TOKEN.substring(0, APP_TOKEN.length() - 1) + "X";
        SdkFlow.Run run = sdkFlow(tampered, "--expect-unauthorized");
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("\"step\":\"unauthorized\"").contains("\"status\":401");
    }

    private static SdkFlow.Run sdkFlow(String token, String... args) throws IOException, InterruptedException {
        return SdkFlow.run(gateway.get().baseUrl("ws_sdk"), token, args);
    }
}
