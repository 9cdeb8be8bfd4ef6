package dev.sandboxgate.containers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code fish.payara.extras:payara-micro}: no phone-home, no clustering, the HTTP listener on 127.0.0.1 and Hazelcast
 * off (the README's pre-boot command file; {@code --nocluster} alone still leaves Hazelcast listening on port 6900 of
 * every interface), the WAR deployed at {@code /sandbox-gate}.
 */
final class PayaraMicro extends ServerDistribution {
    private final Path jar;

    PayaraMicro(String versionProperty) {
        super("Payara Micro", versionProperty);
        this.jar = serversDir().resolve("payara-micro-" + version() + ".jar");
    }

    @Override
    List<String> prepare(Path base, Path war, int httpPort) throws IOException {
        Path preBoot = base.resolve("pre-boot-commands.txt");
        Files.writeString(preBoot, """
                set configs.config.server-config.network-config.network-listeners.network-listener.http-listener.address=127.0.0.1
                set configs.config.server-config.hazelcast-config-specific-configuration.enabled=false
                """);
        Path deployed = base.resolve("sandbox-gate.war");
        Files.copy(war, deployed);
        return List.of(java(), "-Xmx512m", "-jar", jar.toString(),
                "--disablephonehome", "--nocluster", "--interfaces", "127.0.0.1",
                "--prebootcommandfile", preBoot.toString(),
                "--port", Integer.toString(httpPort),
                "--rootdir", base.resolve("root").toString(),
                "--deploy", deployed.toString());
    }
}
