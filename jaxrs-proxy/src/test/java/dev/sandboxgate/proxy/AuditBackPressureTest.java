package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.audit.AuditQuery;
import dev.sandboxgate.filter.audit.AuditRecord;
import dev.sandboxgate.filter.audit.AuditVerifier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What the trail does when it cannot keep up, and how its chain survives a restart. */
@ExtendWith(LogLeakGuard.class)
class AuditBackPressureTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static HttpRequest health(GatewayServer gw) {
        return HttpRequest.newBuilder(URI.create(gw.mountUrl() + "/ws_1/v1/health"))
                .header("Authorization", "Bearer " + GatewayServer.APP_TOKEN).build();
    }

    @Test
    void aFullQueueRefusesTheRequestWith503AndForwardsNothing() throws Exception {
        PausedSink.pause();
        try (RawUpstream up = RawUpstream.healthy();
             GatewayServer gw = GatewayServer.start(up.url(), Map.of(), Map.of("audit-sinks",
                     PausedSink.class.getName(), "audit-node", "full", "audit-queue-size", "1",
                     "audit-block-timeout", "300ms"))) {
            try {
                HttpResponse<String> first = CLIENT.send(health(gw), HttpResponse.BodyHandlers.ofString());
                assertThat(first.statusCode()).isEqualTo(200); // its record took the queue's one place
                assertThat(up.nextRequest(5, TimeUnit.SECONDS)).isNotNull();

                HttpResponse<String> second = CLIENT.send(health(gw), HttpResponse.BodyHandlers.ofString());

                assertThat(second.statusCode()).isEqualTo(503);
                assertThat(second.headers().firstValue("Content-Type")).hasValue("application/problem+json");
                assertThat(second.headers().firstValue("Retry-After")).hasValue("1");
                assertThat(second.body()).contains("urn:sandbox-gate:problem:audit-unavailable");
                assertThat(up.nextRequest(300, TimeUnit.MILLISECONDS)).as("nothing forwarded").isNull();
            } finally {
                PausedSink.resume();
            }
            // Once the sink takes records again, requests pass again.
            assertThat(CLIENT.send(health(gw), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aRestartedGatewayContinuesItsChainInTheTable() throws Exception {
        String db = "jdbc:h2:mem:restart-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1";
        Map<String, String> params = Map.of("audit-sinks", "jdbc", "audit-jdbc-url", db, "audit-node", "restart");
        try (RawUpstream up = RawUpstream.healthy()) {
            for (int run = 0; run < 2; run++) {
                try (GatewayServer gw = GatewayServer.start(up.url(), Map.of(), params)) {
                    CompletableFuture.allOf(CLIENT.sendAsync(health(gw), HttpResponse.BodyHandlers.discarding()),
                            CLIENT.sendAsync(health(gw), HttpResponse.BodyHandlers.discarding())).get();
                }
            }
        }
        try (Connection connection = DriverManager.getConnection(db)) {
            List<AuditRecord> records = AuditQuery.list(connection, "sandbox_audit", null, null, null, null, 100);
            assertThat(records).extracting(AuditRecord::event).containsExactlyInAnyOrder("chain-start", "decision",
                    "decision", "completed", "completed", "chain-start", "decision", "decision", "completed",
                    "completed");
            AuditRecord secondStart = records.stream().filter(r -> r.event().equals("chain-start"))
                    .filter(r -> r.seq() > 1).findFirst().orElseThrow();
            assertThat(secondStart.seq()).isEqualTo(6);
            assertThat(secondStart.prevHash()).isNotNull();
            AuditVerifier.Result result = AuditVerifier.verifyTable(connection, "sandbox_audit");
            assertThat(result.intact()).as(result.problem()).isTrue();
            assertThat(result.records()).isEqualTo(10);
        }
    }
}
