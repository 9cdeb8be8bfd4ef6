package dev.sandboxgate.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The filter and proxy jars on their own: an application that only drops them into {@code WEB-INF/lib} gets the
 * gateway at {@code /sandbox/*} from their {@code web-fragment.xml}s (filter before servlet, both async), configured
 * from the environment; its own {@code web.xml} overrides a mapping or an init-param. Served by the launcher's Jetty
 * (ee10), a real container that processes fragments, against the real Sandbox Agent server.
 */
class WebFragmentsIT {
    private static final String ENV_TOKEN = "fragments-env-token-2f1c";
    private static final String WEB_XML_TOKEN = "fragments-web-xml-token-9d0e";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final PerClass<SandboxAgentServer> sandbox = PerClass.start(SandboxAgentServer::start);

    @Test
    void aWarWithoutWebXmlGetsTheGatewayFromTheJarsFragments() throws Exception {
        Path war = warWithTheGatewayJars(null);
        try (GatewayProcess gateway = start(war)) {
            String base = gateway.baseUrl("ws_fragments");
            assertThat(get(base + "/v1/health", ENV_TOKEN).body()).isEqualTo("{\"status\":\"ok\"}");

            // The filter runs before the proxy: without it, the proxy would answer 500 not-gated.
            HttpResponse<String> anonymous = get(base + "/v1/health", null);
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(anonymous.body()).contains("urn:sandbox-gate:problem:credential-missing");

            // Both are async: a prompt's POST waits for the agent's turn, its events stream meanwhile.
            AcpClient acp = new AcpClient(base, ENV_TOKEN);
            String sessionId = acp.startSession("fragments-it");
            assertThat(acp.prompt("fragments-it", sessionId, "chunks=2")).contains("end_turn");
        } finally {
            Files.deleteIfExists(war);
        }
    }

    @Test
    void theApplicationsWebXmlOverridesTheFragmentsMappingAndInitParams() throws Exception {
        Path war = warWithTheGatewayJars("""
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                  <filter>
                    <filter-name>SandboxAuthFilter</filter-name>
                    <init-param>
                      <param-name>app-api-token</param-name>
                      <param-value>%s</param-value>
                    </init-param>
                  </filter>
                  <filter-mapping>
                    <filter-name>SandboxAuthFilter</filter-name>
                    <url-pattern>/agents/*</url-pattern>
                  </filter-mapping>
                  <servlet-mapping>
                    <servlet-name>SandboxProxyServlet</servlet-name>
                    <url-pattern>/agents/*</url-pattern>
                  </servlet-mapping>
                </web-app>
                """.formatted(WEB_XML_TOKEN));
        try (GatewayProcess gateway = start(war)) {
            String agents = gateway.baseUrl("ws_fragments").replace("/sandbox/", "/agents/");
            assertThat(get(agents + "/v1/health", WEB_XML_TOKEN).body()).isEqualTo("{\"status\":\"ok\"}");
            assertThat(get(agents + "/v1/health", ENV_TOKEN).statusCode()).isEqualTo(401);
            assertThat(get(gateway.baseUrl("ws_fragments") + "/v1/health", WEB_XML_TOKEN).statusCode())
                    .isEqualTo(404);
        } finally {
            Files.deleteIfExists(war);
        }
    }

    private static GatewayProcess start(Path war) throws IOException, InterruptedException {
        return GatewayProcess.start(Map.of("SANDBOX_URL", sandbox.get().url(), "SANDBOX_TOKEN", sandbox.get().token(),
                "APP_API_TOKEN", ENV_TOKEN), List.of("-Dsandboxgate.war=" + war));
    }

    private static HttpResponse<String> get(String url, String token) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A WAR holding the built sample WAR's WEB-INF/lib and, if given, this web.xml: nothing else. */
    private static Path warWithTheGatewayJars(String webXml) throws IOException {
        Path war = Files.createTempFile("fragments", ".war");
        try (ZipFile sample = new ZipFile(Repo.launcherJar().resolveSibling("sandbox-gate.war").toFile());
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(war))) {
            for (ZipEntry entry : sample.stream().filter(e -> e.getName().startsWith("WEB-INF/lib/")).toList()) {
                out.putNextEntry(new ZipEntry(entry.getName()));
                try (InputStream in = sample.getInputStream(entry)) {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
            if (webXml != null) {
                out.putNextEntry(new ZipEntry("WEB-INF/web.xml"));
                out.write(webXml.getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return war;
    }
}
