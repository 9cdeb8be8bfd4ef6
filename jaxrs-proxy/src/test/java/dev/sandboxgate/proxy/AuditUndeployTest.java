package dev.sandboxgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Undeploying the gateway waits for every queued audit record to be written. */
class AuditUndeployTest {
    private static final int REQUESTS = 10_000;

    @Test
    void undeployWithTenThousandQueuedRecordsWritesAllOfThem() throws Exception {
        String db = "jdbc:h2:mem:undeploy-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1";
        PausedSink.pause();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        AtomicInteger refused = new AtomicInteger();
        Thread undeploy;
        try (RawUpstream up = RawUpstream.healthy()) {
            GatewayServer gw = GatewayServer.start(up.url(), Map.of(), Map.of("audit-sinks",
                    "jdbc," + PausedSink.class.getName(), "audit-jdbc-url", db, "audit-node", "undeploy",
                    "audit-queue-size", "20000", "rate-limits", "off")); // thousands of refusals from one address
            // Refused requests (no credential): each leaves exactly one record, and none reaches the upstream.
            Semaphore inFlight = new Semaphore(16);
            CompletableFuture<?>[] all = new CompletableFuture<?>[REQUESTS];
            for (int i = 0; i < REQUESTS; i++) {
                inFlight.acquire();
                all[i] = client.sendAsync(HttpRequest.newBuilder(URI.create(gw.mountUrl() + "/ws_1/v1/health"))
                                .build(), HttpResponse.BodyHandlers.discarding())
                        .whenComplete((response, failure) -> {
                            inFlight.release();
                            if (failure == null && response.statusCode() == 401) {
                                refused.incrementAndGet();
                            }
                        });
            }
            CompletableFuture.allOf(all).get(5, TimeUnit.MINUTES);
            assertThat(refused).hasValue(REQUESTS);
            assertThat(PausedSink.WRITTEN).as("the paused sink has taken nothing yet").hasValue(0);

            undeploy = new Thread(gw::close);
            undeploy.start();
            undeploy.join(1_000);
            assertThat(undeploy.isAlive()).as("undeploy waits for the queue").isTrue();
            PausedSink.resume();
            undeploy.join(TimeUnit.MINUTES.toMillis(2));
            assertThat(undeploy.isAlive()).isFalse();
        }
        assertThat(PausedSink.WRITTEN).hasValue(REQUESTS + 1); // and the chain-start record
        try (Connection connection = DriverManager.getConnection(db);
             Statement sql = connection.createStatement();
             ResultSet count = sql.executeQuery("SELECT COUNT(*) FROM sandbox_audit WHERE node = 'undeploy' "
                     + "AND event = 'decision' AND status = 401")) {
            count.next();
            assertThat(count.getLong(1)).isEqualTo(REQUESTS);
        }
    }
}
