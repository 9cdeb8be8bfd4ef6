package dev.sandboxgate.containers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which class loaders defined a class in a running JVM, asked with {@code jcmd PID VM.class_hierarchy}: each loader
 * is named by the address of its class loader data, the same for every class it defined. A class that two loaders
 * defined (the server's copy and the WAR's) is listed twice.
 */
final class ClassLoaders {
    private ClassLoaders() {
    }

    static List<String> definingLoaders(ProcessHandle jvm, String className) throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(jvm.pid()), "VM.class_hierarchy", className).redirectErrorStream(true).start();
        String output = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!jcmd.waitFor(60, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
            jcmd.destroyForcibly();
            throw new IOException("jcmd VM.class_hierarchy " + className + " failed:\n" + output);
        }
        Matcher m = Pattern.compile("--" + Pattern.quote(className) + "/(0x[0-9a-f]+)").matcher(output);
        return m.results().map(result -> result.group(1)).toList();
    }
}
