package dev.sandboxgate.sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a script of {@code e2e/} that drives the real TypeScript SDK ({@code sdk-flow.mjs}, {@code terminal-flow.mjs})
 * against a base URL, the token passed in the environment, and collects the JSON line it prints per step.
 */
public final class SdkFlow {
    private static final Pattern CHUNK_TIMES = Pattern.compile("\"chunkTimes\":\\[([0-9.,]*)]");

    public record Run(int exitCode, String output) {
        public List<String> steps() {
            return output.lines().filter(line -> line.startsWith("{\"step\"")).toList();
        }

        /** When each streamed chunk of the session step's prompt arrived, in ms (the script's performance.now()). */
        public List<Double> chunkTimes() {
            String session = steps().stream().filter(step -> step.startsWith("{\"step\":\"session\""))
                    .findFirst().orElseThrow(() -> new AssertionError("no session step in " + output));
            Matcher m = CHUNK_TIMES.matcher(session);
            if (!m.find()) {
                throw new AssertionError("no chunkTimes in " + session);
            }
            return Arrays.stream(m.group(1).split(",")).map(Double::parseDouble).toList();
        }

        public List<String> stepNames() {
            return steps().stream().map(step -> step.replaceAll("^\\{\"step\":\"([a-z]+)\".*", "$1")).toList();
        }
    }

    private SdkFlow() {
    }

    public static Run run(String baseUrl, String token, String... args) throws IOException, InterruptedException {
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
