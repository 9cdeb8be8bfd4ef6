package dev.sandboxgate.filter.metrics;

import dev.sandboxgate.filter.ExchangeOutcome;
import dev.sandboxgate.filter.GateExchange;
import dev.sandboxgate.filter.GateListener;
import dev.sandboxgate.filter.Refusal;
import dev.sandboxgate.filter.authz.Operation;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Counts every request by operation and outcome, and times the two halves of a forwarded one: the gateway's own
 * share (from the filter's first look to the hand-over to the relay) and the sandbox's (from sending the request to
 * its response headers). Tags come from fixed vocabularies: the route table's operation names and the outcomes below.
 */
final class RequestMetrics implements GateListener {
    /** The route table's operation names; anything else a stage might record is tagged {@code other}. */
    private static final Set<String> OPERATIONS = Arrays.stream(Operation.values()).map(Operation::id)
            .collect(Collectors.toUnmodifiableSet());

    private final MeterRegistry registry;

    RequestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Refusal decided(GateExchange exchange, Refusal refusal) {
        if (refusal != null) {
            count(exchange, outcomeOf(refusal.type().status()));
        }
        return null;
    }

    @Override
    public void ended(GateExchange exchange, ExchangeOutcome outcome) {
        boolean sandboxAnswered = exchange.upstreamAnsweredNanos() != 0;
        // A status the sandbox gave (even an error) is an allowed request; one the gateway gave is its own outcome.
        count(exchange, sandboxAnswered || outcome.status() < 400 ? "allowed" : outcomeOf(outcome.status()));
        String operation = operation(exchange);
        if (exchange.forwardedNanos() != 0) {
            record("sandbox.gate.gateway.duration", "Time the gateway spent on a request before relaying it",
                    operation, exchange.forwardedNanos() - exchange.startNanos(), Duration.ofSeconds(10));
        }
        if (sandboxAnswered && exchange.upstreamSentNanos() != 0) {
            record("sandbox.gate.upstream.duration", "Time from sending a request to the sandbox's response headers",
                    operation, exchange.upstreamAnsweredNanos() - exchange.upstreamSentNanos(), Duration.ofMinutes(3));
        }
        relayed("to_sandbox", outcome.bytesIn());
        relayed("to_client", outcome.bytesOut());
    }

    static String outcomeOf(int status) {
        switch (status) {
            case 401:
                return "unauthenticated";
            case 403:
                return "forbidden";
            case 429:
                return "limited";
            case 502:
            case 504:
                return "upstream_error";
            case 503:
                return "unavailable";
            default:
                return status >= 500 ? "error" : status >= 400 ? "rejected" : "allowed";
        }
    }

    private void count(GateExchange exchange, String outcome) {
        Counter.builder("sandbox.gate.requests").description("Requests by operation and outcome")
                .tag("operation", operation(exchange)).tag("outcome", outcome)
                .register(registry).increment();
    }

    private void record(String name, String description, String operation, long nanos, Duration max) {
        Timer.builder(name).description(description).tag("operation", operation)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(50_000)).maximumExpectedValue(max)
                .register(registry).record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    private void relayed(String direction, long bytes) {
        if (bytes > 0) {
            Counter.builder("sandbox.gate.relayed.bytes").description("Body bytes relayed").baseUnit("bytes")
                    .tag("direction", direction).register(registry).increment(bytes);
        }
    }

    private static String operation(GateExchange exchange) {
        String operation = exchange.operation();
        if (operation == null) {
            return "unclassified";
        }
        return OPERATIONS.contains(operation) ? operation : "other";
    }
}
