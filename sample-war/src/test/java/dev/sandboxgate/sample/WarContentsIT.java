package dev.sandboxgate.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

/**
 * One WAR for servlet-only containers (Tomcat, Jetty) and full Jakarta EE servers (WildFly, Payara): the proxy is a
 * servlet on the JDK HTTP client, so there is no JAX-RS runtime to bundle for the first family or to clash with the
 * server's own in the second. What the built WAR carries is exactly the gateway and its libraries: no Jakarta API or
 * implementation, no container, no logging binding, nothing that starts by itself.
 */
class WarContentsIT {
    /** Artifact names (without version) of every jar in WEB-INF/lib. */
    private static final List<String> EXPECTED_LIBRARIES = List.of(
            "HdrHistogram", // Micrometer's histograms
            "HikariCP", // the JDBC registry's, directory's and audit sink's own pools
            "bucket4j_jdk17-core", "bucket4j_jdk17-lettuce", "bucket4j_jdk17-redis-common", // rate limits
            "caffeine", "checker-qual", "error_prone_annotations",
            "h2", // the sample's default audit database
            "jackson-annotations", "jackson-core", "jackson-databind",
            // the proxy's HTTP client to the sandbox, a plain library (no server, no Servlet part of Jetty)
            "jetty-alpn-client", "jetty-client", "jetty-compression-common", "jetty-compression-gzip", "jetty-http",
            "jetty-io", "jetty-util",
            "jjwt-api", "jjwt-impl", "jjwt-jackson",
            "jspecify",
            "lettuce-core", // the Redis rate-limit backend, with its Netty and Reactor
            "metrics-core", "metrics-jmx", // micrometer-registry-jmx
            "micrometer-commons", "micrometer-core", "micrometer-observation", "micrometer-registry-jmx",
            "micrometer-registry-prometheus",
            "netty-buffer", "netty-codec-base", "netty-codec-dns", "netty-common", "netty-handler", "netty-resolver",
            "netty-resolver-dns", "netty-transport", "netty-transport-native-unix-common",
            "postgresql",
            "prometheus-metrics-config", "prometheus-metrics-core", "prometheus-metrics-exposition-formats",
            "prometheus-metrics-exposition-textformats", "prometheus-metrics-model",
            "prometheus-metrics-tracer-common",
            "reactive-streams", "reactor-core", "redis-authx-core",
            "sandbox-gate-filter", "sandbox-gate-proxy", "slf4j-api");

    /**
     * Entries no bundled jar may hold: what the container provides, or what would pick a logging backend. HikariCP
     * (the session registry's own pool) brings slf4j-api, and only the API: where the server has no SLF4J provider,
     * its log lines are dropped. Of Jetty only the client side is bundled: its server, Servlet and WebSocket parts are
     * the container's business.
     */
    private static final List<String> FORBIDDEN_PREFIXES = List.of("jakarta/", "javax/servlet/", "javax/ws/rs/",
            "org/glassfish/jersey/", "org/jboss/resteasy/", "org/eclipse/jetty/server/", "org/eclipse/jetty/ee/",
            "org/eclipse/jetty/ee10/", "org/eclipse/jetty/ee11/", "org/eclipse/jetty/websocket/",
            "org/eclipse/jetty/session/", "org/eclipse/jetty/security/", "org/apache/catalina/",
            "org/slf4j/impl/", "org/slf4j/simple/", "org/slf4j/jul/", "org/apache/logging/log4j/", "ch/qos/logback/",
            "META-INF/services/jakarta.servlet.ServletContainerInitializer",
            "META-INF/services/org.slf4j.spi.SLF4JServiceProvider", "META-INF/beans.xml");

    @Test
    void webInfLibHoldsExactlyTheGatewayAndItsLibraries() throws IOException {
        assertThat(libraries().keySet()).containsExactlyElementsOf(EXPECTED_LIBRARIES);
    }

    @Test
    void noBundledJarCarriesWhatTheContainerProvides() throws IOException {
        List<String> forbidden = new ArrayList<>();
        try (ZipFile war = new ZipFile(war().toFile())) {
            for (String jar : libraries().values()) {
                try (ZipInputStream entries = new ZipInputStream(war.getInputStream(war.getEntry(jar)))) {
                    for (ZipEntry entry; (entry = entries.getNextEntry()) != null; ) {
                        String name = entry.getName();
                        if (FORBIDDEN_PREFIXES.stream().anyMatch(name::startsWith)) {
                            forbidden.add(jar + "!/" + name);
                        }
                    }
                }
            }
        }
        assertThat(forbidden).isEmpty();
    }

    /** web.xml is the whole configuration; on WildFly and Payara, the WAR's own libraries come first. */
    @Test
    void theWarHoldsNoLauncherClassAMetadataCompleteWebXmlAndItsLibrariesFirstOnFullServers() throws IOException {
        try (ZipFile war = new ZipFile(war().toFile())) {
            assertThat(war.stream().map(ZipEntry::getName))
                    .noneMatch(name -> name.startsWith("WEB-INF/classes/dev/sandboxgate/launcher/"));
            try (InputStream webXml = war.getInputStream(war.getEntry("WEB-INF/web.xml"))) {
                assertThat(new String(webXml.readAllBytes(), StandardCharsets.UTF_8))
                        .contains("metadata-complete=\"true\"");
            }
            try (InputStream glassfishWebXml = war.getInputStream(war.getEntry("WEB-INF/glassfish-web.xml"))) {
                assertThat(new String(glassfishWebXml.readAllBytes(), StandardCharsets.UTF_8))
                        .contains("<class-loader delegate=\"false\"/>");
            }
            try (InputStream deploymentStructure = war.getInputStream(
                    war.getEntry("WEB-INF/jboss-deployment-structure.xml"))) {
                assertThat(new String(deploymentStructure.readAllBytes(), StandardCharsets.UTF_8))
                        .contains("<subsystem name=\"jaxrs\"/>");
            }
        }
    }

    /** WEB-INF/lib/NAME-VERSION.jar by NAME, sorted. */
    private static TreeMap<String, String> libraries() throws IOException {
        TreeMap<String, String> libraries = new TreeMap<>();
        try (ZipFile war = new ZipFile(war().toFile())) {
            war.stream().map(ZipEntry::getName)
                    .filter(name -> name.startsWith("WEB-INF/lib/") && name.endsWith(".jar"))
                    .forEach(jar -> libraries.put(jar.substring("WEB-INF/lib/".length())
                            .replaceFirst("-[0-9][^/]*\\.jar$", ""), jar));
        }
        return libraries;
    }

    private static Path war() {
        return Repo.launcherJar().resolveSibling("sandbox-gate.war");
    }
}
