package dev.sandboxgate.containers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The {@code org.apache.tomcat:tomcat} distribution, run from a {@code CATALINA_BASE} of its own: the README's
 * {@code server.xml} (one HTTP connector on 127.0.0.1 with {@code encodedSolidusHandling="passthrough"}, no AJP
 * connector, shutdown port off) and the WAR in {@code webapps/}.
 */
final class Tomcat extends ServerDistribution {
    private final Path home;

    Tomcat(String versionProperty) {
        super("Tomcat", versionProperty);
        this.home = serversDir().resolve("apache-tomcat-" + version());
    }

    @Override
    List<String> prepare(Path base, Path war, int httpPort) throws IOException {
        Path conf = base.resolve("conf");
        copyFiles(home.resolve("conf"), conf);
        Files.writeString(conf.resolve("server.xml"), serverXml(httpPort));
        for (String dir : List.of("logs", "temp", "work")) {
            Files.createDirectories(base.resolve(dir));
        }
        Files.copy(war, Files.createDirectories(base.resolve("webapps")).resolve("sandbox-gate.war"),
                StandardCopyOption.REPLACE_EXISTING);
        return List.of(java(), "-Xmx256m",
                "-Dcatalina.home=" + home, "-Dcatalina.base=" + base, "-Djava.io.tmpdir=" + base.resolve("temp"),
                "-Djava.util.logging.manager=org.apache.juli.ClassLoaderLogManager",
                "-Djava.util.logging.config.file=" + conf.resolve("logging.properties"),
                "-cp", home.resolve("bin/bootstrap.jar") + ":" + home.resolve("bin/tomcat-juli.jar"),
                "org.apache.catalina.startup.Bootstrap", "start");
    }

    /** The README's server.xml for the gateway, with the test's port. */
    private static String serverXml(int httpPort) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <Server port="-1" shutdown="SHUTDOWN">
                  <Listener className="org.apache.catalina.startup.VersionLoggerListener"/>
                  <Service name="Catalina">
                    <Connector address="127.0.0.1" port="%d" protocol="HTTP/1.1" connectionTimeout="20000"
                               encodedSolidusHandling="passthrough"/>
                    <Engine name="Catalina" defaultHost="localhost">
                      <Host name="localhost" appBase="webapps" unpackWARs="true" autoDeploy="false"/>
                    </Engine>
                  </Service>
                </Server>
                """.formatted(httpPort);
    }
}
