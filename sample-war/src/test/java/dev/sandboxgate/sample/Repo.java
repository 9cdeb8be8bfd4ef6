package dev.sandboxgate.sample;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Where the build put things the integration tests run: the repository, the launcher jar, the npm packages. */
public final class Repo {
    private Repo() {
    }

    public static Path root() {
        return Paths.get(System.getProperty("sandboxgate.repo.root", "..")).toAbsolutePath().normalize();
    }

    public static Path e2e() {
        return root().resolve("e2e");
    }

    static Path launcherJar() {
        Path jar = Paths.get(System.getProperty("sandboxgate.launcher.jar", "target/sandbox-gate-launcher.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("run the integration tests with 'mvn verify': " + jar + " is missing");
        }
        return jar.toAbsolutePath();
    }

    /** Tomcat 11's embedded jars, copied by the build for {@link TomcatMain}. */
    static Path tomcatLib() {
        Path lib = Paths.get(System.getProperty("sandboxgate.tomcat.lib", "target/tomcat-lib"));
        if (!Files.isDirectory(lib)) {
            throw new IllegalStateException("run the integration tests with 'mvn verify': " + lib + " is missing");
        }
        return lib.toAbsolutePath();
    }

    static Path sandboxAgentBinary() {
        Path binary = e2e().resolve("node_modules/@sandbox-agent/cli-linux-x64/bin/sandbox-agent");
        if (!Files.isRegularFile(binary)) {
            throw new IllegalStateException("the Sandbox Agent binary is missing; 'npm ci' in e2e/ installs it");
        }
        binary.toFile().setExecutable(true); // the package's postinstall chmod does not run under npm ci
        return binary;
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
