package dev.sandboxgate.proxy;

import dev.sandboxgate.filter.ExchangeOutcome;
import dev.sandboxgate.filter.GateExchange;
import dev.sandboxgate.filter.GateListener;
import dev.sandboxgate.filter.ProblemType;
import dev.sandboxgate.filter.Refusal;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A {@link GateListener} plugged in by class name ({@code gate-listeners}) that keeps what it is told, for tests.
 * Static because the filter builds it by reflection; each test {@link #reset}s it first.
 */
public final class RecordingListener implements GateListener {
    public record Decision(String requestId, ProblemType refusal, String workspace, String operation) {
    }

    /** For a WebSocket, also its close code and the messages each way (else -1). */
    public record End(String requestId, ExchangeOutcome outcome, String sandboxId, int closeCode, long messagesIn,
                      long messagesOut) {
    }

    public static final BlockingQueue<Decision> DECISIONS = new LinkedBlockingQueue<>();
    public static final BlockingQueue<End> ENDS = new LinkedBlockingQueue<>();
    /** When set, every forward is vetoed with this refusal. */
    public static volatile Refusal veto;

    public static void reset() {
        DECISIONS.clear();
        ENDS.clear();
        veto = null;
    }

    @Override
    public Refusal decided(GateExchange exchange, Refusal refusal) {
        DECISIONS.add(new Decision(exchange.requestId(), refusal == null ? null : refusal.type(),
                exchange.workspace(), exchange.operation()));
        return refusal == null ? veto : null;
    }

    @Override
    public void ended(GateExchange exchange, ExchangeOutcome outcome) {
        ENDS.add(new End(exchange.requestId(), outcome, exchange.sandboxId(), exchange.closeCode(),
                exchange.messagesIn(), exchange.messagesOut()));
    }
}
