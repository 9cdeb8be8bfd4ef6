package dev.sandboxgate.tomcat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.Problems;
import dev.sandboxgate.filter.SandboxAuthFilter;
import dev.sandboxgate.proxy.ContainerErrorServlet;
import dev.sandboxgate.proxy.GatewayServer;
import dev.sandboxgate.proxy.LogLeakGuard;
import dev.sandboxgate.proxy.RawClient;
import dev.sandboxgate.proxy.RawUpstream;
import dev.sandboxgate.proxy.SandboxProxyServlet;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.ErrorPage;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The gateway deployed on embedded Tomcat 11 as a WAR would be (filter and proxy on {@code /sandbox/*}, async,
 * {@link ContainerErrorServlet} as the {@code <error-page>}) with {@link ProblemErrorReportValve} as the host's error
 * report valve: what Tomcat itself refuses before the gateway's code runs (invalid percent-encodings, an encoded slash,
 * overlong UTF-8, a path outside the mount) is answered problem+json, never Tomcat's HTML page, and nothing reaches the
 * sandbox. Without the valve, the refusals made before the web application is chosen are HTML (checked below).
 */
@ExtendWith(LogLeakGuard.class)
class TomcatContainerErrorsTest {
    private static final String AUTH = "\r\nHost: gw\r\nAuthorization: Bearer " + GatewayServer.APP_TOKEN
            + "\r\nConnection: close";

    private static RawUpstream upstream;
    private static Tomcat tomcat;
    private static String baseUrl;

    @BeforeAll
    static void start() throws Exception {
        upstream = RawUpstream.healthy();
        tomcat = gatewayOnTomcat(true, upstream.url());
        baseUrl = "http://127.0.0.1:" + tomcat.getConnector().getLocalPort();
    }

    /** The gateway as a WAR deploys it, on a Tomcat with or without the problem+json error report valve. */
    private static Tomcat gatewayOnTomcat(boolean valve, String sandboxUrl) throws Exception {
        Path base = Files.createTempDirectory("tomcat-gateway");
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(base.toString());
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        tomcat.setConnector(connector);
        if (valve) {
            ((org.apache.catalina.core.StandardHost) tomcat.getHost())
                    .setErrorReportValveClass(ProblemErrorReportValve.class.getName());
        }

        Context context = tomcat.addContext("", base.toString());
        FilterDef gate = new FilterDef();
        gate.setFilterName("SandboxAuthFilter");
        gate.setFilterClass(SandboxAuthFilter.class.getName());
        gate.setAsyncSupported("true");
        gate.addInitParameter("app-api-token", GatewayServer.APP_TOKEN);
        context.addFilterDef(gate);
        FilterMap gateMapping = new FilterMap();
        gateMapping.setFilterName("SandboxAuthFilter");
        gateMapping.addURLPattern("/sandbox/*");
        context.addFilterMap(gateMapping);

        Wrapper proxy = Tomcat.addServlet(context, "SandboxProxyServlet", SandboxProxyServlet.class.getName());
        proxy.setAsyncSupported(true);
        proxy.addInitParameter("sandbox-url", sandboxUrl);
        proxy.addInitParameter("sandbox-token", GatewayServer.SANDBOX_TOKEN);
        context.addServletMappingDecoded("/sandbox/*", "SandboxProxyServlet");

        Tomcat.addServlet(context, "ContainerErrors", ContainerErrorServlet.class.getName());
        context.addServletMappingDecoded("/sandbox-gate-error", "ContainerErrors");
        ErrorPage errors = new ErrorPage();
        errors.setLocation("/sandbox-gate-error");
        context.addErrorPage(errors);

        tomcat.start();
        return tomcat;
    }

    @AfterAll
    static void stop() throws Exception {
        tomcat.stop();
        tomcat.destroy();
        upstream.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // The query is the web application's to read: the gateway refuses it itself.
            "GET /sandbox/ws/v1/fs/file?path=%zz, 400, bad-request",
            "GET /sandbox/ws/v1/%zz/health, 400, container-400",
            "GET /sandbox/ws/v1/fs/file%, 400, container-400",
            "GET /sandbox/ws/v1/acp/a%2Fb, 400, container-400",
            "GET /sandbox/ws/v1/%c0%ae%c0%ae/health, 400, container-400",
            "GET /not-the-mount, 404, container-404",
    })
    void whatTomcatRefusesIsAnsweredInTheGatewaysFormat(String requestLine, int status, String type)
            throws Exception {
        RawClient.Response response = RawClient.exchange(baseUrl, requestLine + " HTTP/1.1" + AUTH, null);

        assertThat(response.status()).as(response.wholeText()).isEqualTo(status);
        assertThat(response.first("Content-Type")).startsWith("application/problem+json");
        assertThat(response.bodyText()).startsWith("{\"type\":\"urn:sandbox-gate:problem:")
                .doesNotContain("<").doesNotContain("Exception").doesNotContain("Tomcat");
        assertThat(response.bodyText()).contains("\"type\":\"urn:sandbox-gate:problem:" + type + "\"");
        if (type.startsWith("container-")) {
            assertThat(response.body()).isEqualTo(Problems.containerError(status));
        }
        assertThat(upstream.requestCount()).as("requests that reached the sandbox").isZero();
    }

    @Test
    void theSameTomcatForwardsAWellFormedRequest() throws Exception {
        RawClient.Response response = RawClient.exchange(baseUrl, "GET /sandbox/ws/v1/health HTTP/1.1" + AUTH, null);

        assertThat(response.status()).isEqualTo(200);
        assertThat(upstream.nextRequest(5, java.util.concurrent.TimeUnit.SECONDS).target()).isEqualTo("/v1/health");
    }

    /**
     * The error page must not turn an aborted relay into a complete answer: on a committed response Tomcat includes
     * the error page (which writes nothing then) and closes the connection, so the client sees no final chunk.
     */
    @Test
    void aBodyTheSandboxBreaksOffStillLooksCutShort() throws Exception {
        try (RawUpstream breaking = new RawUpstream((head, in, out) -> {
            RawUpstream.writeHead(out, 200, "Content-Type: application/octet-stream", "Transfer-Encoding: chunked",
                    "Connection: close");
            RawUpstream.writeChunk(out, new byte[20_000]);
            RawUpstream.writeChunk(out, new byte[20_000]);
        })) {
            Tomcat gateway = gatewayOnTomcat(true, breaking.url());
            try {
                RawClient.Response response = RawClient.exchange("http://127.0.0.1:"
                        + gateway.getConnector().getLocalPort(), "GET /sandbox/ws/v1/fs/file?path=/workspace/big HTTP/1.1\r\n"
                        + "Host: gw\r\nAuthorization: Bearer " + GatewayServer.APP_TOKEN, null);

                assertThat(response.status()).isEqualTo(200);
                assertThat(response.complete()).as("client can tell the body was cut short").isFalse();
                assertThat(response.bodyText()).doesNotContain("problem");
            } finally {
                gateway.stop();
                gateway.destroy();
            }
        }
    }

    @Test
    void withoutTheValveTomcatAnswersAnInvalidUriWithItsHtmlPage() throws Exception {
        Tomcat plain = gatewayOnTomcat(false, upstream.url());
        try {
            RawClient.Response response = RawClient.exchange("http://127.0.0.1:" + plain.getConnector().getLocalPort(),
                    "GET /sandbox/ws/v1/%zz/health HTTP/1.1" + AUTH, null);

            assertThat(response.status()).isEqualTo(400);
            assertThat(response.first("Content-Type")).startsWith("text/html");
        } finally {
            plain.stop();
            plain.destroy();
        }
    }
}
