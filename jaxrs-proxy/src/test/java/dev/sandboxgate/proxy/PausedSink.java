package dev.sandboxgate.proxy;

import dev.sandboxgate.filter.audit.AuditRecord;
import dev.sandboxgate.filter.audit.AuditSink;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Test-only {@link AuditSink}, plugged in by class name ({@code audit-sinks=...,dev.sandboxgate.proxy.PausedSink}):
 * every write waits until {@link #resume} is called, so records pile up in the trail's queue. Static because the
 * filter builds it by reflection; {@link #pause} before each use.
 */
public final class PausedSink implements AuditSink {
    private static volatile CountDownLatch gate = new CountDownLatch(0);
    public static final AtomicLong WRITTEN = new AtomicLong();

    public static void pause() {
        gate = new CountDownLatch(1);
        WRITTEN.set(0);
    }

    public static void resume() {
        gate.countDown();
    }

    @Override
    public String name() {
        return "paused";
    }

    @Override
    public void write(List<AuditRecord> records) throws InterruptedException {
        gate.await();
        WRITTEN.addAndGet(records.size());
    }
}
