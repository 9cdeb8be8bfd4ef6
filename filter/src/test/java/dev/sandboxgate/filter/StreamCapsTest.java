package dev.sandboxgate.filter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.ratelimit.RateLimiting;
import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The stream caps on exchanges as the chain hands them over (authenticated, classified), ended as the relay ends
 * them; the end through the real proxy, client disconnect included, is tested in jaxrs-proxy (StreamCapTest).
 */
class StreamCapsTest {
    private final Stage stage = RateLimiting.configure(Settings.of("gate", Map.of(
            "rate-limits", "off", "max-streams-per-subject", "2", "max-streams-per-workspace", "3",
            "max-acp-posts-per-subject", "1", "max-acp-posts-per-workspace", "5")::get, n -> null, n -> null))
            .afterAuthorization();

    private static GateExchange exchange(String subject, String workspace, String operation, String method,
                                         Map<String, String> headers) {
        HttpServletRequest request = (HttpServletRequest) Proxy.newProxyInstance(
                HttpServletRequest.class.getClassLoader(), new Class<?>[] {HttpServletRequest.class},
                (proxy, m, args) -> switch (m.getName()) {
                    case "getMethod" -> method;
                    case "getHeader" -> headers.get((String) args[0]);
                    default -> null;
                });
        GateExchange exchange = new GateExchange(request, "req-" + subject, TraceContext.acceptOrStart(List.of(), List.of()));
        exchange.authenticated(new SandboxPrincipal(subject, "test", Map.of(workspace, WorkspaceRole.OWNER), null));
        exchange.classified(workspace, operation);
        return exchange;
    }

    private static GateExchange stream(String subject, String workspace) {
        return exchange(subject, workspace, "acp.stream", "GET", Map.of("Accept", "text/event-stream"));
    }

    private static void end(GateExchange exchange) {
        exchange.end(200, 0, 0, ExchangeOutcome.EndedBy.CLIENT);
    }

    @Test
    void aCallerHoldsAtMostItsCapOfStreamsUntilOneEnds() {
        GateExchange first = stream("alice", "ws_1");
        GateExchange second = stream("alice", "ws_1");
        assertThat(stage.apply(first)).isNull();
        assertThat(stage.apply(second)).isNull();

        Refusal third = stage.apply(stream("alice", "ws_1"));
        assertThat(third.type()).isEqualTo(ProblemType.CONCURRENCY_LIMITED);
        assertThat(third.detail()).contains("Too many open event streams for this caller (at most 2)");

        end(first);
        end(first); // an exchange ends once: a second report frees nothing more
        assertThat(stage.apply(stream("alice", "ws_1"))).isNull();
        assertThat(stage.apply(stream("alice", "ws_1"))).isNotNull();
    }

    @Test
    void aWorkspaceHoldsAtMostItsCapAcrossCallersAndARefusalKeepsNoSlot() {
        assertThat(stage.apply(stream("alice", "ws_2"))).isNull();
        assertThat(stage.apply(stream("bob", "ws_2"))).isNull();
        GateExchange carol = stream("carol", "ws_2");
        assertThat(stage.apply(carol)).isNull();

        Refusal dave = stage.apply(stream("dave", "ws_2"));
        assertThat(dave.detail()).contains("Too many open event streams for this workspace (at most 3)");
        assertThat(stage.apply(stream("dave", "ws_3"))).as("dave's refused stream took no slot of his").isNull();
        assertThat(stage.apply(stream("dave", "ws_3"))).isNull();

        end(carol);
        assertThat(stage.apply(stream("erin", "ws_2"))).isNull();
    }

    @Test
    void webSocketUpgradesAndFollowedLogsCountAsStreamsAndOtherRequestsDoNot() {
        assertThat(stage.apply(exchange("frank", "ws_4", "process.read", "GET", Map.of("Upgrade", "websocket"))))
                .isNull();
        assertThat(stage.apply(exchange("frank", "ws_4", "process.read", "GET",
                Map.of("Accept", "text/event-stream")))).isNull();
        assertThat(stage.apply(stream("frank", "ws_4"))).isNotNull();
        assertThat(stage.apply(exchange("frank", "ws_4", "fs.read", "GET", Map.of()))).isNull();
    }

    @Test
    void acpPostsInFlightHaveTheirOwnCap() {
        GateExchange prompt = exchange("gina", "ws_5", "acp.send", "POST", Map.of());
        assertThat(stage.apply(prompt)).isNull();
        assertThat(stage.apply(exchange("gina", "ws_5", "acp.send", "POST", Map.of())).detail())
                .contains("Too many ACP requests in flight for this caller (at most 1)");
        assertThat(stage.apply(stream("gina", "ws_5"))).as("streams are counted apart").isNull();

        end(prompt);
        assertThat(stage.apply(exchange("gina", "ws_5", "acp.send", "POST", Map.of()))).isNull();
    }
}
