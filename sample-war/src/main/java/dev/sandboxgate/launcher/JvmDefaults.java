package dev.sandboxgate.launcher;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The JVM settings {@code java -jar sandbox-gate-launcher.jar} runs the gateway with when nobody chose any. The JVM's
 * own defaults size the heap for the machine, not for the gateway: on a 24 GiB host an initial heap of 1/64 of the
 * memory, whose young generation G1 then grows under load, held 415 MiB resident, while the gateway's live data is a
 * few tens of MiB. The serial collector with a small initial heap grows the heap only as live data needs it (and is
 * the cheapest collector on the two cores this gateway is measured on); the maximum heap stays the JVM's default.
 *
 * <p>JVM options cannot be set from inside a running JVM, so the launcher starts the gateway in a second JVM with
 * {@link #OPTIONS} and waits for it: the first JVM only relays the exit status and passes a stop on. A user who gives
 * any JVM option other than a system property ({@code -D}), or sets {@code JAVA_TOOL_OPTIONS},
 * {@code JDK_JAVA_OPTIONS} or {@code _JAVA_OPTIONS}, has chosen: the gateway then runs in the JVM as started.
 * {@code -Dsandboxgate.jvm=as-is} does the same without choosing anything.
 */
final class JvmDefaults {
    static final List<String> OPTIONS = List.of("-XX:+UseSerialGC", "-Xms64m");
    /** Any value: run the gateway in this JVM; {@code relaunched} is set by the launcher's own second JVM. */
    static final String PROPERTY = "sandboxgate.jvm";
    private static final String RELAUNCHED = "relaunched";
    private static final List<String> OPTION_VARIABLES = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS",
            "_JAVA_OPTIONS");

    private JvmDefaults() {
    }

    /** Whether to start the gateway in a JVM with {@link #OPTIONS}: nobody chose JVM options for this one. */
    static boolean wanted(List<String> jvmArguments, Map<String, String> environment, String property) {
        if (property != null) {
            return false;
        }
        for (String variable : OPTION_VARIABLES) {
            String value = environment.get(variable);
            if (value != null && !value.isBlank()) {
                return false;
            }
        }
        return jvmArguments.stream().allMatch(argument -> argument.startsWith("-D"));
    }

    /** The command that runs {@code jar} with {@link #OPTIONS}, the system properties given and {@code args}. */
    static List<String> command(Path javaHome, List<String> jvmArguments, Path jar, String[] args) {
        List<String> command = new ArrayList<>();
        command.add(javaHome.resolve("bin").resolve("java").toString());
        command.addAll(OPTIONS);
        command.addAll(jvmArguments);
        command.add("-D" + PROPERTY + "=" + RELAUNCHED);
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(List.of(args));
        return command;
    }

    /**
     * Runs the gateway in a JVM with {@link #OPTIONS} when {@link #wanted}, and returns its exit status; returns -1
     * at once when this JVM is the one to run it.
     */
    static int relaunchIfWanted(Path jar, String[] args) throws IOException, InterruptedException {
        List<String> jvmArguments = ManagementFactory.getRuntimeMXBean().getInputArguments();
        String property = System.getProperty(PROPERTY);
        if (!wanted(jvmArguments, System.getenv(), property)) {
            if (RELAUNCHED.equals(property)) {
                endWithParent();
            }
            return -1;
        }
        Process gateway = new ProcessBuilder(command(Paths.get(System.getProperty("java.home")), jvmArguments, jar,
                args)).inheritIO().start();
        // A stop (Ctrl-C, SIGTERM) reaches this JVM: pass it on and wait, without a limit of our own, until the gateway
        // has shut down in order (its drain takes up to shutdown-grace, its audit queue up to audit-drain-timeout).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.destroy();
            try {
                gateway.waitFor();
            } catch (InterruptedException e) {
                gateway.destroyForcibly();
            }
        }, "sandbox-gate-relay-stop"));
        return gateway.waitFor();
    }

    /** In the relaunched JVM: if the first one is killed outright, stop too rather than live on unwatched. */
    private static void endWithParent() {
        ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> {
            System.err.println("sandbox-gate: the launching JVM ended; stopping");
            System.exit(1);
        }));
    }
}
