package dev.sandboxgate.sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code e2e/sdk-flow.mjs} (the real TypeScript SDK) against a base URL, the token passed in the environment. */
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
        List<String> command = new ArrayList<>(List.of("node", "sdk-flow.mjs", "--base-url", baseUrl));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(Repo.e2e().toFile()).redirectErrorStream(true);
        builder.environment().put("SANDBOX_GATE_E2E_TOKEN", token); // not on the command line, so not in `ps`
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
