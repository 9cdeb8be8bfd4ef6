package dev.sandboxgate.containers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The {@code org.eclipse.jetty:jetty-home} distribution, run from a {@code JETTY_BASE} of its own with the modules
 * {@code http} and {@code ee10-deploy}, the README's {@code start.d/sandbox-gate.ini} (127.0.0.1, {@code %2F} allowed
 * in paths) and the WAR with its context XML in {@code webapps/}.
 */
final class JettyHome extends ServerDistribution {
    private final Path home;

    JettyHome(String versionProperty) {
        super("Jetty", versionProperty);
        this.home = serversDir().resolve("jetty-home-" + version());
    }

    @Override
    List<String> prepare(Path base, Path war, int httpPort) throws IOException, InterruptedException {
        runToCompletion(base, List.of(java(), "-jar", home.resolve("start.jar").toString(), "jetty.home=" + home,
                "jetty.base=" + base, "--add-modules=http,ee10-deploy"));
        Files.writeString(base.resolve("start.d/sandbox-gate.ini"), """
                jetty.http.host=127.0.0.1
                jetty.http.port=%d
                jetty.httpConfig.uriCompliance=DEFAULT,AMBIGUOUS_PATH_SEPARATOR
                jetty.httpConfig.sendServerVersion=false
                """.formatted(httpPort));
        Path webapps = Files.createDirectories(base.resolve("webapps"));
        Files.copy(war, webapps.resolve("sandbox-gate.war"), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(webapps.resolve("sandbox-gate.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <!DOCTYPE Configure PUBLIC "-//Jetty//Configure//EN" "https://jetty.org/configure_10_0.dtd">
                <Configure class="org.eclipse.jetty.ee10.webapp.WebAppContext">
                  <Set name="contextPath">/sandbox-gate</Set>
                  <Set name="war"><Property name="jetty.webapps"/>/sandbox-gate.war</Set>
                  <Get name="servletHandler"><Set name="decodeAmbiguousURIs">true</Set></Get>
                </Configure>
                """);
        return List.of(java(), "-Xmx256m", "-jar", home.resolve("start.jar").toString(), "jetty.home=" + home,
                "jetty.base=" + base);
    }
}
