package dev.sandboxgate.sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a script of {@code e2e/} that drives the real TypeScript SDK ({@code sdk-flow.mjs}, {@code terminal-flow.mjs})
 * against a base URL, the token passed in the environment, and collects the JSON line it prints per step.
 */
final class SdkFlow {

    record Run(int exitCode, String output) {
        List<String> steps() {
            return output.lines().filter(line -> line.startsWith("{\"step\"")).toList();
        }

        List<String> stepNames() {
            return steps().stream().map(step -> step.replaceAll("^\\{\"step\":\"([a-z]+)\".*", "$1")).toList();
        }
    }

    private SdkFlow() {
    }

    static Run run(String baseUrl, String token, String... args) throws IOException, InterruptedException {
        return run(List.of("sdk-flow.mjs"), baseUrl, Map.of("SANDBOX_GATE_E2E_TOKEN", token), args);
    }

    /**
     * {@code e2e/terminal-flow.mjs}: a tty process and its terminal WebSocket through the SDK. Node 20 has a global
     * WebSocket (which the SDK uses) only with {@code --experimental-websocket}.
     */
    static Run terminal(String baseUrl, Map<String, String> tokens, String... args)
            throws IOException, InterruptedException {
        return run(List.of("--experimental-websocket", "terminal-flow.mjs"), baseUrl, tokens, args);
    }

    /** @param env tokens for the script (never on the command line, so not in `ps`) */
    private static Run run(List<String> nodeArgs, String baseUrl, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("node"));
        command.addAll(nodeArgs);
        command.addAll(List.of("--base-url", baseUrl));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(Repo.e2e().toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process node = builder.start();
        byte[] output = node.getInputStream().readAllBytes();
        if (!node.waitFor(90, TimeUnit.SECONDS)) {
            node.destroyForcibly();
        }
        String text = new String(output, StandardCharsets.UTF_8);
        System.out.println(text);
        return new Run(node.exitValue(), text);
    }
}
