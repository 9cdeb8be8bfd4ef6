package dev.sandboxgate.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.audit.AuditRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

            // With no JWT configured, it also prints a user's demo JWT (owner of workspace "demo"): it works too.
            String jwtCurl = launcher.output().lines()
                    .map(String::trim)
                    .filter(line -> line.startsWith("curl ") && line.contains("Bearer eyJ"))
                    .findFirst().orElseThrow(() -> new AssertionError("no demo JWT printed"));
            Process jwtShell = new ProcessBuilder("sh", "-c", jwtCurl).redirectErrorStream(true).start();
            assertThat(jwtShell.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(jwtShell.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo("{\"status\":\"ok\"}");

            // The audit trail's JSON lines, bare (not in the JDK's log format), one decision per curl: a chain.
            List<String> audit = List.of();
            for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20); System.nanoTime() < end
                    && audit.stream().noneMatch(line -> line.contains("demo-user")); Thread.sleep(100)) {
                audit = launcher.output().lines().filter(line -> line.startsWith("{\"schema\":" + AuditRecord.SCHEMA + ",")).toList();
            }
            assertThat(audit).anySatisfy(line -> assertThat(line).contains("\"event\":\"decision\"",
                    "\"subject\":\"app\"", "\"decision\":\"allowed\"", "\"path\":\"/demo/v1/health\""));
            assertThat(audit).anySatisfy(line -> assertThat(line).contains("\"subject\":\"demo-user\"",
                    "\"authMethod\":\"jwt\""));
            assertThat(dev.sandboxgate.filter.audit.AuditVerifier.verifyLines(audit).intact()).isTrue();

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

    @Test
    void printedSdkSnippetPromptsTheMockAgent() throws Exception {
        try (GatewayProcess launcher = GatewayProcess.start(Map.of(), List.of())) {
            List<String> lines = launcher.output().lines().toList();
            int start = lines.indexOf(lines.stream().filter(l -> l.startsWith("Or with the TypeScript SDK"))
                    .findFirst().orElseThrow(() -> new AssertionError("no SDK snippet printed")));
            StringBuilder script = new StringBuilder();
            for (String line : lines.subList(start + 1, lines.size())) {
                if (line.isBlank()) {
                    break;
                }
                script.append(line.trim()).append('\n');
            }
            script.append("console.log(\"snippet finished\");\nprocess.exit(0);\n");
            // Beside e2e/node_modules, so that the snippet's import of the pinned SDK resolves.
            Path file = Files.createDirectories(Repo.e2e().resolve("target")).resolve("launcher-snippet.mjs");
            Files.writeString(file, script);

            Process node = new ProcessBuilder("node", file.toString()).redirectErrorStream(true).start();
            boolean ended = node.waitFor(60, TimeUnit.SECONDS);
            if (!ended) {
                node.destroyForcibly();
            }
            String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(ended).as(output).isTrue();
            assertThat(node.exitValue()).as(output).isZero();
            // The snippet got through createSession and prompt (each throws otherwise) and printed agent events. Which
            // events arrive before the prompt returns varies: the SDK opens its event stream with the first ACP
            // message, so that stream may only catch up by replay.
            assertThat(output).contains("sender: 'agent'").contains("snippet finished");
        }
    }

    /** {@code java -jar} alone runs the gateway with the launcher's JVM defaults; a stop ends that JVM too. */
    @Test
    void runsTheGatewayWithItsJvmDefaultsWhenGivenNoJvmOptions() throws Exception {
        ProcessHandle serving;
        try (GatewayProcess launcher = GatewayProcess.start(Map.of(), List.of())) {
            serving = launcher.servingJvm();
            assertThat(serving.pid()).as("a second JVM serves").isNotEqualTo(launcher.pid());
            assertThat(serving.info().arguments().map(List::of).orElseThrow())
                    .contains("-XX:+UseSerialGC", "-Xms64m");
            // The second JVM sizes the common pool before anything uses it (else: a thread per proxied request).
            assertThat(launcher.output()).doesNotContain("the common ForkJoinPool has parallelism");
        }
        serving.onExit().get(20, TimeUnit.SECONDS);
        assertThat(serving.isAlive()).isFalse();
    }

    /**
     * Regression: the WAR's slf4j-api found the launcher's Jetty logging provider, could not load it (Jetty hides its
     * classes from webapps) and dropped every log line of the WAR's libraries. HikariCP (the audit's H2 pool) logs
     * its start at INFO: that line must reach the launcher's output.
     */
    @Test
    void logsOfTheWarsLibrariesReachTheLaunchersOutput(@TempDir Path dir) throws Exception {
        Map<String, String> env = Map.of("AUDIT_SINKS", "jdbc", "AUDIT_JDBC_URL", "jdbc:h2:file:" + dir.resolve("audit"));
        try (GatewayProcess launcher = GatewayProcess.start(env, List.of())) {
            String output = "";
            for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                 !output.contains("Start completed") && System.nanoTime() < deadline; Thread.sleep(100)) {
                output = launcher.output();
            }
            assertThat(output).contains("Start completed").doesNotContain("SLF4J(E)").doesNotContain("NOP");
        }
    }

    /** Whoever gives a JVM option has chosen the JVM's settings: the gateway runs in the JVM as started. */
    @Test
    void runsTheGatewayInTheJvmAsStartedWhenGivenJvmOptions() throws Exception {
        try (GatewayProcess launcher = GatewayProcess.start(Map.of(), List.of("-Xmx256m"))) {
            assertThat(launcher.servingJvm().pid()).isEqualTo(launcher.pid());
        }
    }

    /** Regression: a generated token starting with '-' was taken by the sandbox's CLI for an option. */
    @Test
    void startsTheLocalSandboxWhateverItsTokenLooksLike() throws Exception {
        try (GatewayProcess launcher = GatewayProcess.start(Map.of("SANDBOX_TOKEN", "-R-token-like-an-option"),
                List.of())) {
            assertThat(launcher.output()).contains(GatewayProcess.READY_LINE);
        }
    }

    /** The token the launcher generated for its sandbox, read from the sandbox's command line ({@code --token=}). */
    private static String sandboxTokenOf(List<ProcessHandle> processes) {
        for (ProcessHandle process : processes) {
            List<String> args = Arrays.asList(process.info().arguments().orElse(new String[0]));
            for (String arg : args) {
                if (args.contains("server") && arg.startsWith("--token=")) {
                    return arg.substring("--token=".length());
                }
            }
        }
        throw new AssertionError("no sandbox-agent server among " + processes);
    }
}
