package dev.sandboxgate.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * The filter and proxy jars on their own: an application that only drops them into {@code WEB-INF/lib} gets the
 * gateway at {@code /sandbox/*} from their {@code web-fragment.xml}s (filter before servlet, both async), configured
 * from the environment (every setting the sample's {@code web.xml} reads from it); its own {@code web.xml} overrides a
 * mapping or an init-param. Served by the launcher's Jetty
 * (ee10), a real container that processes fragments, against the real Sandbox Agent server.
 */
class WebFragmentsIT {
    private static final String ENV_TOKEN = "fragments-env-token-2f1c";
    private static final String WEB_XML_TOKEN = "fragments-web-xml-token-9d0e";
    private static final String FRONT_END = "https://app.example.test";
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

            // A later setting, from the environment as with the sample: SANDBOX_CORS_ORIGINS turns CORS on.
            HttpResponse<String> allowed = get(base + "/v1/health", ENV_TOKEN, FRONT_END);
            assertThat(allowed.statusCode()).isEqualTo(200);
            assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).contains(FRONT_END);
            HttpResponse<String> foreign = get(base + "/v1/health", ENV_TOKEN, "https://evil.example.test");
            assertThat(foreign.statusCode()).isEqualTo(403);
            assertThat(foreign.body()).contains("urn:sandbox-gate:problem:cors-origin-forbidden");
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

    /**
     * The fragments declare every init-param the sample's {@code web.xml} declares for the filter and the proxy, with
     * the same placeholders: whatever the launcher's environment table says works for a fragment user too.
     */
    @Test
    void theFragmentsDeclareEveryInitParamOfTheSampleWebXml() throws Exception {
        Map<String, Map<String, String>> sample = new LinkedHashMap<>();
        Map<String, Map<String, String>> fragments = new LinkedHashMap<>();
        try (ZipFile war = new ZipFile(sampleWar().toFile())) {
            sample.putAll(initParams(war.getInputStream(war.getEntry("WEB-INF/web.xml"))));
            for (String jar : List.of("sandbox-gate-filter", "sandbox-gate-proxy")) {
                ZipEntry entry = war.stream().filter(e -> e.getName().startsWith("WEB-INF/lib/" + jar + "-"))
                        .findFirst().orElseThrow();
                try (ZipInputStream lib = new ZipInputStream(war.getInputStream(entry))) {
                    for (ZipEntry file = lib.getNextEntry(); file != null; file = lib.getNextEntry()) {
                        if (file.getName().equals("META-INF/web-fragment.xml")) {
                            fragments.putAll(initParams(lib));
                        }
                    }
                }
            }
        }
        assertThat(fragments.keySet()).containsExactly("SandboxAuthFilter", "SandboxProxyServlet");
        for (String name : fragments.keySet()) {
            assertThat(fragments.get(name)).as(name).containsExactlyEntriesOf(sample.get(name));
        }
    }

    /** Each filter's and servlet's init-params (name to value, in order) in a web.xml or web-fragment.xml. */
    private static Map<String, Map<String, String>> initParams(InputStream xml) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document document = factory.newDocumentBuilder().parse(new InputSource(new NonClosing(xml)));
        Map<String, Map<String, String>> all = new LinkedHashMap<>();
        for (String kind : List.of("filter", "servlet")) {
            NodeList declared = document.getElementsByTagNameNS("*", kind);
            for (int i = 0; i < declared.getLength(); i++) {
                Element element = (Element) declared.item(i);
                Map<String, String> params = new LinkedHashMap<>();
                NodeList initParams = element.getElementsByTagNameNS("*", "init-param");
                for (int j = 0; j < initParams.getLength(); j++) {
                    Element param = (Element) initParams.item(j);
                    params.put(text(param, "param-name"), text(param, "param-value"));
                }
                all.put(text(element, kind + "-name"), params);
            }
        }
        return all;
    }

    private static String text(Element parent, String child) {
        return parent.getElementsByTagNameNS("*", child).item(0).getTextContent().strip();
    }

    /** The parser closes what it read: not the jar's stream, which goes on to its next entry. */
    private static final class NonClosing extends FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
        }
    }

    private static GatewayProcess start(Path war) throws IOException, InterruptedException {
        return GatewayProcess.start(Map.of("SANDBOX_URL", sandbox.get().url(), "SANDBOX_TOKEN", sandbox.get().token(),
                "APP_API_TOKEN", ENV_TOKEN, "SANDBOX_CORS_ORIGINS", FRONT_END), List.of("-Dsandboxgate.war=" + war));
    }

    private static HttpResponse<String> get(String url, String token) throws IOException, InterruptedException {
        return get(url, token, null);
    }

    private static HttpResponse<String> get(String url, String token, String origin)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (origin != null) {
            request.header("Origin", origin);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Path sampleWar() {
        return Repo.launcherJar().resolveSibling("sandbox-gate.war");
    }

    /** A WAR holding the built sample WAR's WEB-INF/lib and, if given, this web.xml: nothing else. */
    private static Path warWithTheGatewayJars(String webXml) throws IOException {
        Path war = Files.createTempFile("fragments", ".war");
        try (ZipFile sample = new ZipFile(sampleWar().toFile());
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
