package dev.sandboxgate.benchmarks;

import dev.sandboxgate.filter.audit.AuditRecord;
import dev.sandboxgate.filter.audit.AuditSink;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * An {@link AuditSink} that holds the writer until the benchmark iteration ends and then discards: so the benchmark
 * measures what a request pays to enqueue its records while the queue has room, not the writer's pace (measured
 * separately by {@link AuditThroughput}).
 */
public final class HeldSink implements AuditSink {
    static volatile CountDownLatch held = new CountDownLatch(1);

    @Override
    public String name() {
        return "held";
    }

    @Override
    public void write(List<AuditRecord> records) throws InterruptedException {
        held.await();
    }
}
