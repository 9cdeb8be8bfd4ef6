package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.WorkspaceRole;
import dev.sandboxgate.filter.authz.Operation;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Prometheus endpoint: operators only; counters move per operation and outcome; and no series is labelled with
 * anything unbounded (users, workspaces, sessions, paths).
 */
@ExtendWith(LogLeakGuard.class)
class MetricsTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final Map<String, String> ROLES = Map.of(
            "authenticators", "app-token," + RoleTokenAuthenticator.class.getName());
    private static final Pattern SERIES = Pattern.compile("^(sandbox_gate_[a-z_]+)(\\{([^}]*)\\})? (\\S+)$",
            Pattern.MULTILINE);
    private static final Pattern LABEL = Pattern.compile("([a-z_]+)=\"([^\"]*)\"");

    @Test
    void refusesAScrapeWithoutTheOperatorsToken() throws Exception {
        try (RawUpstream up = RawUpstream.healthy(); GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            for (String authorization : new String[] {null, "Bearer " + GatewayServer.APP_TOKEN, "Bearer "}) {
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/sandbox-gate/metrics"));
                if (authorization != null) {
                    request.header("Authorization", authorization);
                }
                HttpResponse<String> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());

                assertThat(response.statusCode()).isEqualTo(401);
                assertThat(response.body()).contains("urn:sandbox-gate:problem:admin-credential-required")
                        .doesNotContain("sandbox_gate_");
            }
        }
    }

    @Test
    void countsAllowedAndDeniedRequestsByOperation() throws Exception {
        try (RawUpstream up = RawUpstream.healthy(); GatewayServer gw = GatewayServer.start(up.url(), Map.of(), ROLES)) {
            String before = scrape(gw);

            send(gw, "/ws_1/v1/health", "Bearer " + GatewayServer.APP_TOKEN);
            send(gw, "/ws_1/v1/health", "Bearer " + GatewayServer.APP_TOKEN);
            send(gw, "/ws_1/v1/health", null);
            send(gw, "/ws_1/v1/processes", "Bearer " + RoleTokenAuthenticator.token(WorkspaceRole.VIEWER, "ws_1"));
            String after = scrape(gw);

            assertThat(delta(before, after, "sandbox_gate_requests_total", "operation=\"health\",outcome=\"allowed\""))
                    .isEqualTo(2);
            assertThat(delta(before, after, "sandbox_gate_requests_total",
                    "operation=\"unclassified\",outcome=\"unauthenticated\"")).isEqualTo(1);
            assertThat(delta(before, after, "sandbox_gate_requests_total",
                    "operation=\"process.read\",outcome=\"forbidden\"")).isEqualTo(1);
            assertThat(delta(before, after, "sandbox_gate_gateway_duration_seconds_count", "operation=\"health\""))
                    .isEqualTo(2);
            assertThat(delta(before, after, "sandbox_gate_upstream_duration_seconds_count", "operation=\"health\""))
                    .isEqualTo(2);
            assertThat(delta(before, after, "sandbox_gate_relayed_bytes_total", "direction=\"to_client\""))
                    .isEqualTo(2 * "{\"status\":\"ok\"}".length());
        }
    }

    @Test
    void publishesTheMetersAsJmxMBeansWhenAsked() throws Exception {
        try (RawUpstream up = RawUpstream.healthy(); GatewayServer gw = GatewayServer.start(up.url(), Map.of(),
                Map.of("authorization", "off", "metrics-jmx", "true"))) {
            send(gw, "/ws_1/v1/health", "Bearer " + GatewayServer.APP_TOKEN);

            Set<ObjectName> names = ManagementFactory.getPlatformMBeanServer()
                    .queryNames(new ObjectName("metrics:*"), null);
            assertThat(names).extracting(ObjectName::toString)
                    .anySatisfy(name -> assertThat(name).contains("sandboxGateRequests"));
        }
        assertThat(ManagementFactory.getPlatformMBeanServer().queryNames(new ObjectName("metrics:*"), null))
                .as("unregistered when the gateway is undeployed").isEmpty();
    }

    @Test
    void countsOpenEventStreams() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (RawUpstream up = new RawUpstream((head, in, out) -> {
            RawUpstream.writeHead(out, 200, "Content-Type: text/event-stream", "Transfer-Encoding: chunked");
            RawUpstream.writeChunk(out, "data: {}\n\n".getBytes(StandardCharsets.UTF_8));
            release.await(10, TimeUnit.SECONDS);
            RawUpstream.writeLastChunk(out);
        }); GatewayServer gw = GatewayServer.start(up.url(), Map.of())) {
            long before = Math.round(gauge(scrape(gw)));
            HttpResponse<InputStream> stream = CLIENT.send(HttpRequest.newBuilder(
                            URI.create(gw.mountUrl() + "/ws_1/v1/acp/s1"))
                    .header("Authorization", "Bearer " + GatewayServer.APP_TOKEN)
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(stream.statusCode()).isEqualTo(200);

            assertThat(Math.round(gauge(scrape(gw)))).isEqualTo(before + 1);
            release.countDown();
            stream.body().readAllBytes();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (Math.round(gauge(scrape(gw))) != before && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(Math.round(gauge(scrape(gw)))).isEqualTo(before);
        }
    }

    private static double gauge(String scrape) {
        Matcher line = Pattern.compile("^sandbox_gate_open_streams\\{kind=\"sse\",?\\} (\\S+)$", Pattern.MULTILINE)
                .matcher(scrape);
        return line.find() ? Double.parseDouble(line.group(1)) : 0;
    }

    @Test
    void noSeriesIsLabelledWithAUserAWorkspaceASessionOrAPath() throws Exception {
        try (RawUpstream up = RawUpstream.healthy(); GatewayServer gw = GatewayServer.start(up.url(), Map.of(), ROLES)) {
            for (int i = 0; i < 5; i++) {
                String workspace = "wsid" + i + "x";
                String subject = "user" + i + "y";
                String token = "Bearer " + RoleTokenAuthenticator.token(WorkspaceRole.OWNER, workspace, subject);
                send(gw, "/" + workspace + "/v1/health", token);
                send(gw, "/" + workspace + "/v1/acp/sessid" + i + "z", token);
                send(gw, "/" + workspace + "/v1/fs/file?path=/workspace/fileid" + i, token);
                send(gw, "/" + workspace + "/v1/nosuchroute" + i, token);
                send(gw, "/" + workspace + "/v1/health", "Bearer unknown" + i);
            }
            String scrape = scrape(gw);

            assertThat(scrape).doesNotContain("wsid", "user", "sessid", "fileid", "nosuchroute", "unknown",
                    GatewayServer.APP_TOKEN, GatewayServer.SANDBOX_TOKEN, up.url());
            Set<String> operations = Arrays.stream(Operation.values()).map(Operation::id)
                    .collect(Collectors.toCollection(HashSet::new));
            operations.addAll(Set.of("unclassified", "other"));
            Map<String, Set<String>> allowed = Map.of(
                    "operation", operations,
                    "outcome", Set.of("allowed", "unauthenticated", "forbidden", "limited", "rejected",
                            "unavailable", "upstream_error", "error"),
                    "direction", Set.of("to_sandbox", "to_client"),
                    "kind", Set.of("sse", "websocket"),
                    "result", Set.of("ok", "failed"));
            Matcher series = SERIES.matcher(scrape);
            int seen = 0;
            while (series.find()) {
                seen++;
                Matcher label = LABEL.matcher(series.group(3) == null ? "" : series.group(3));
                while (label.find()) {
                    String name = label.group(1);
                    String value = label.group(2);
                    if (name.equals("le")) {
                        assertThat(value).matches("[0-9.E+-]+|\\+Inf");
                    } else {
                        assertThat(allowed).as("label %s of %s", name, series.group(1)).containsKey(name);
                        assertThat(allowed.get(name)).as("label %s of %s", name, series.group(1)).contains(value);
                    }
                }
            }
            assertThat(seen).isGreaterThan(10);
        }
    }

    static String scrape(GatewayServer gw) throws Exception {
        HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(
                        URI.create(gw.baseUrl() + "/sandbox-gate/metrics"))
                .header("Authorization", "Bearer " + GatewayServer.METRICS_TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
        return response.body();
    }

    /** How much the series {@code name{labels}} grew between two scrapes (absent counts as zero). */
    static long delta(String before, String after, String name, String labels) {
        return Math.round(value(after, name, labels) - value(before, name, labels));
    }

    private static double value(String scrape, String name, String labels) {
        Matcher line = Pattern.compile("^" + Pattern.quote(name + "{" + labels + ",}") + " (\\S+)$|^"
                + Pattern.quote(name + "{" + labels + "}") + " (\\S+)$", Pattern.MULTILINE).matcher(scrape);
        if (!line.find()) {
            return 0;
        }
        return Double.parseDouble(line.group(1) != null ? line.group(1) : line.group(2));
    }

    private static void send(GatewayServer gw, String pathAndQuery, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gw.mountUrl() + pathAndQuery));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        CLIENT.send(request.build(), HttpResponse.BodyHandlers.discarding());
    }
}
