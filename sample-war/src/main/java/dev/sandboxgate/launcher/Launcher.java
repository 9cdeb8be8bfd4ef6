package dev.sandboxgate.launcher;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code java -jar sandbox-gate-launcher.jar}: puts the container libraries in {@code lib/} beside the jar on a class
 * loader and hands over to {@link EmbeddedGateway}. Jetty is the container here, so it never enters the WAR, and the
 * jar needs no hand-kept {@code Class-Path} manifest.
 */
public final class Launcher {
    private static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

    private Launcher() {
    }

    public static void main(String[] args) throws Exception {
        // The JDK 17 HTTP client (the proxy's WebSocket relay) completes its work on the common pool; with fewer than
        // two cores' worth of parallelism that "pool" starts a new thread per task.
        if (System.getProperty(COMMON_POOL_PARALLELISM) == null) {
            System.setProperty(COMMON_POOL_PARALLELISM, Integer.toString(
                    Math.max(2, Runtime.getRuntime().availableProcessors())));
        }
        // Only now: the relaunch uses CompletableFuture, whose first use sizes the common pool for good.
        Path self = Paths.get(Launcher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        int relaunched = JvmDefaults.relaunchIfWanted(self, args);
        if (relaunched >= 0) {
            System.exit(relaunched);
            return;
        }
        Path launcherDir = self.getParent();
        List<URL> classPath = new ArrayList<>();
        classPath.add(self.toUri().toURL());
        try (Stream<Path> jars = Files.list(launcherDir.resolve("lib"))) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                classPath.add(jar.toUri().toURL());
            }
        } catch (IOException e) {
            System.err.println("sandbox-gate: no lib/ directory beside " + self + "; build with './mvnw package'");
            System.exit(2);
        }
        ClassLoader loader = new URLClassLoader("sandbox-gate-launcher", classPath.toArray(URL[]::new),
                ClassLoader.getPlatformClassLoader());
        Thread.currentThread().setContextClassLoader(loader);
        try {
            Method run = loader.loadClass(EmbeddedGateway.class.getName()).getMethod("run", Path.class);
            run.setAccessible(true); // a package-private class, loaded by another loader
            run.invoke(null, launcherDir);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }
}
