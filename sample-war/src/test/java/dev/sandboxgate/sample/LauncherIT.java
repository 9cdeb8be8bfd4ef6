package dev.sandboxgate.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The README's run command on a fresh machine: with nothing configured, the launcher starts a local Sandbox Agent,
 * prints a ready-to-paste curl line that reaches the sandbox's health route through the gateway, and stops the sandbox
 * when it exits.
 */
class LauncherIT {

    @Test
    void printedCurlLineReachesSandboxHealthThroughTheGateway() throws Exception {
        List<ProcessHandle> sandboxProcesses;
        String sandboxToken;
        try (GatewayProcess launcher = GatewayProcess.start(Map.of(), List.of())) {
            String curl = launcher.output().lines()
                    .map(String::trim)
                    .filter(line -> line.startsWith("curl "))
                    .findFirst().orElseThrow(() -> new AssertionError("no curl line printed"));

            Process shell = new ProcessBuilder("sh", "-c", curl).redirectErrorStream(true).start();
            assertThat(shell.waitFor(30, TimeUnit.SECONDS)).isTrue();
            String answer = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(shell.exitValue()).as(answer).isZero();
            assertThat(answer).isEqualTo("{\"status\":\"ok\"}");

            sandboxProcesses = ProcessHandle.of(launcher.pid()).orElseThrow().descendants().toList();
            assertThat(sandboxProcesses).as("the launcher started a local Sandbox Agent").isNotEmpty();
            sandboxToken = sandboxTokenOf(sandboxProcesses);
            assertThat(launcher.output()).doesNotContain(sandboxToken);
        }
        for (ProcessHandle process : sandboxProcesses) {
            process.onExit().get(10, TimeUnit.SECONDS);
            assertThat(process.isAlive()).as("stopped with the launcher: " + process.info().command()).isFalse();
        }
    }

    /** The token the launcher generated for its sandbox, read from the sandbox's command line ({@code -t TOKEN}). */
    private static String sandboxTokenOf(List<ProcessHandle> processes) {
        for (ProcessHandle process : processes) {
            List<String> args = Arrays.asList(process.info().arguments().orElse(new String[0]));
            int flag = args.indexOf("-t");
            if (args.contains("server") && flag >= 0) {
                return args.get(flag + 1);
            }
        }
        throw new AssertionError("no sandbox-agent server among " + processes);
    }
}
