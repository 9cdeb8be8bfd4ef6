package dev.sandboxgate.containers;

import dev.sandboxgate.sample.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The {@code org.wildfly:wildfly-dist} distribution, run by {@code bin/standalone.sh} from a server base directory of
 * its own ({@code standalone/configuration} copied, the WAR in {@code deployments/}), every interface on 127.0.0.1
 * ({@code -b}, {@code -bmanagement}) and every port free.
 */
final class WildFly extends ServerDistribution {
    private final Path home;

    WildFly(String versionProperty) {
        super("WildFly", versionProperty);
        this.home = serversDir().resolve("wildfly-" + version());
    }

    @Override
    List<String> prepare(Path base, Path war, int httpPort) throws IOException {
        copyFiles(home.resolve("standalone/configuration"), base.resolve("configuration"));
        Files.copy(war, Files.createDirectories(base.resolve("deployments")).resolve("sandbox-gate.war"),
                StandardCopyOption.REPLACE_EXISTING);
        Path script = home.resolve("bin/standalone.sh");
        script.toFile().setExecutable(true);
        return List.of(script.toString(), "-b", "127.0.0.1", "-bmanagement", "127.0.0.1",
                "-Djboss.server.base.dir=" + base,
                "-Djboss.http.port=" + httpPort,
                "-Djboss.https.port=" + Repo.freePort(),
                "-Djboss.management.http.port=" + Repo.freePort(),
                "-Djboss.management.https.port=" + Repo.freePort());
    }
}
