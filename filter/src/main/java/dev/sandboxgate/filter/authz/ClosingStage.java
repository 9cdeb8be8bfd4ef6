package dev.sandboxgate.filter.authz;

import dev.sandboxgate.filter.GateExchange;
import dev.sandboxgate.filter.Refusal;
import dev.sandboxgate.filter.Stage;

/** A stage that owns resources (a session registry's database pool), released when the filter is destroyed. */
final class ClosingStage implements Stage, AutoCloseable {
    private final Stage stage;
    private final AutoCloseable resources;

    ClosingStage(Stage stage, AutoCloseable resources) {
        this.stage = stage;
        this.resources = resources;
    }

    @Override
    public Refusal apply(GateExchange exchange) {
        return stage.apply(exchange);
    }

    @Override
    public void close() throws Exception {
        resources.close();
    }
}
