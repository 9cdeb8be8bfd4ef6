package dev.sandboxgate.filter.audit;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The trail's single writer: takes records from the queue in batches, chains them (this is the one thread that
 * knows the chain's head, so the chain is the order of writing), and hands each batch to every sink in turn. A sink
 * that fails is retried with back-off ({@code block}) while the queue fills and callers wait, or its records go to
 * its {@link Spool} ({@code spool}) and are replayed in order once it recovers. Nothing is dropped silently: the
 * only records not written are those still failing when an undeploy's drain time runs out, and those are counted
 * and logged.
 *
 * <p>Room in the queue is counted for decision records only ({@link #offerDecision}); a forwarded exchange's
 * completed record is always taken, because its decision already holds the room that bounds how many can come.
 */
final class AuditWriter implements Runnable, AuditMXBean {
    private static final System.Logger LOG = System.getLogger(AuditWriter.class.getName());
    private static final long MIN_BACKOFF_MILLIS = 100;
    private static final long MAX_BACKOFF_MILLIS = 2_000;

    /** A queued record, and whether it holds a unit of room that its delivery gives back. */
    private record Entry(AuditRecord record, boolean holdsRoom) {
    }

    /** A sink and, with {@code spool}, its spool. */
    private record Target(AuditSink sink, Spool spool) {
    }

    private final String node;
    private final List<Target> targets;
    private final int batchSize;
    private final BlockingQueue<Entry> queue = new LinkedBlockingQueue<>();
    private final Semaphore room;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong spooled = new AtomicLong();
    private final AtomicLong replayed = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong unrecorded = new AtomicLong();
    private volatile boolean stopping;
    private volatile long drainDeadlineNanos = Long.MAX_VALUE;
    private long seq;
    private String head;
    private long nextReplayNanos;

    AuditWriter(String node, List<AuditSink> sinks, List<Spool> spools, int queueSize, int batchSize) {
        this.node = node;
        List<Target> list = new ArrayList<>();
        for (int i = 0; i < sinks.size(); i++) {
            list.add(new Target(sinks.get(i), spools == null ? null : spools.get(i)));
        }
        this.targets = List.copyOf(list);
        this.room = new Semaphore(queueSize);
        this.batchSize = batchSize;
    }

    /** Queues a decision record, waiting up to {@code timeoutNanos} for room; false when there was none. */
    boolean offerDecision(AuditRecord record, long timeoutNanos) {
        if (stopping) {
            return false;
        }
        try {
            if (!room.tryAcquire() && !room.tryAcquire(timeoutNanos, TimeUnit.NANOSECONDS)) {
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        queue.add(new Entry(record, true));
        return true;
    }

    /** Queues a completed record: always taken (see the class comment). */
    void offerCompleted(AuditRecord record) {
        queue.add(new Entry(record, false));
    }

    /** Stops taking decisions; the writer empties the queue, trying failing sinks until {@code deadlineNanos}. */
    void stop(long deadlineNanos) {
        drainDeadlineNanos = deadlineNanos;
        stopping = true;
    }

    @Override
    public void run() {
        if (!seed()) {
            LOG.log(Level.ERROR, "audit node {0}: stopped before any sink could say where its chain ends; {1} "
                    + "record(s) not written", node, queue.size());
            return;
        }
        deliver(chain(List.of(RecordFactory.chainStart())));
        List<Entry> batch = new ArrayList<>(batchSize);
        while (true) {
            Entry first;
            try {
                first = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                first = queue.poll();
            }
            if (first == null) {
                if (stopping) {
                    break;
                }
                replayIfDue();
                continue;
            }
            batch.add(first);
            queue.drainTo(batch, batchSize - 1);
            List<AuditRecord> records = new ArrayList<>(batch.size());
            int holdingRoom = 0;
            for (Entry entry : batch) {
                records.add(entry.record());
                holdingRoom += entry.holdsRoom() ? 1 : 0;
            }
            deliver(chain(records));
            room.release(holdingRoom);
            batch.clear();
            replayIfDue();
        }
        replayIfDue();
    }

    /** Continues the newest chain any sink or spool holds for this node; retries while the store is down. */
    private boolean seed() {
        long backoff = MIN_BACKOFF_MILLIS;
        while (true) {
            try {
                AuditRecord newest = null;
                for (Target target : targets) {
                    Optional<AuditRecord> last = target.sink().last(node);
                    if (target.spool() != null) {
                        Optional<AuditRecord> spooledLast = target.spool().last();
                        if (spooledLast.isPresent()) {
                            last = spooledLast;
                        }
                    }
                    if (last.isPresent() && (newest == null || last.get().seq() > newest.seq())) {
                        newest = last.get();
                    }
                }
                if (newest != null) {
                    seq = newest.seq();
                    head = newest.hash();
                }
                return true;
            } catch (Exception e) {
                failed.incrementAndGet();
                LOG.log(Level.WARNING, "audit node {0}: cannot read where the chain ends ({1}); retrying", node,
                        e.getClass().getName());
                if (stopping && System.nanoTime() - drainDeadlineNanos > 0) {
                    return false;
                }
                sleep(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
            }
        }
    }

    private List<AuditRecord> chain(List<AuditRecord> records) {
        List<AuditRecord> chained = new ArrayList<>(records.size());
        for (AuditRecord record : records) {
            AuditRecord next = record.chained(node, ++seq, head);
            head = next.hash();
            chained.add(next);
        }
        return chained;
    }

    private void deliver(List<AuditRecord> records) {
        boolean allDirect = true;
        for (Target target : targets) {
            allDirect &= deliver(target, records);
        }
        if (allDirect) {
            written.addAndGet(records.size());
        }
    }

    /** Returns true when the sink took the records directly, false when they were spooled (or lost at the end). */
    private boolean deliver(Target target, List<AuditRecord> records) {
        long backoff = MIN_BACKOFF_MILLIS;
        boolean sinkFailing = target.spool() != null && !target.spool().isEmpty(); // keep the spool's order
        while (true) {
            if (!sinkFailing) {
                try {
                    target.sink().write(records);
                    return true;
                } catch (Exception e) {
                    failed.incrementAndGet();
                    LOG.log(Level.WARNING, "audit node {0}: sink {1} failed ({2}); {3}", node, target.sink().name(),
                            e.getClass().getName(), target.spool() != null ? "spooling" : "retrying");
                }
            }
            if (target.spool() != null) {
                try {
                    target.spool().append(records);
                    spooled.addAndGet(records.size());
                    if (!sinkFailing) {
                        nextReplayNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_BACKOFF_MILLIS);
                    }
                    return false;
                } catch (Exception e) {
                    failed.incrementAndGet();
                    LOG.log(Level.ERROR, "audit node {0}: cannot append to spool {1} ({2}); retrying", node,
                            target.spool().file(), e.getClass().getName());
                }
            }
            if (stopping && System.nanoTime() - drainDeadlineNanos > 0) {
                LOG.log(Level.ERROR, "audit node {0}: undeploy drain time is over; {1} record(s) (seq {2} to {3}) "
                        + "NOT written to sink {4}", node, records.size(), records.get(0).seq(),
                        records.get(records.size() - 1).seq(), target.sink().name());
                return false;
            }
            sleep(backoff);
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
            sinkFailing = false;
        }
    }

    private void replayIfDue() {
        if (System.nanoTime() - nextReplayNanos < 0) {
            return;
        }
        for (Target target : targets) {
            if (target.spool() == null || target.spool().isEmpty()) {
                continue;
            }
            try {
                long count = target.spool().replayInto(target.sink());
                replayed.addAndGet(count);
                LOG.log(Level.INFO, "audit node {0}: sink {1} recovered; {2} spooled record(s) written", node,
                        target.sink().name(), String.valueOf(count));
            } catch (Exception e) {
                failed.incrementAndGet();
                nextReplayNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_BACKOFF_MILLIS);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- counters ----

    @Override
    public String getNode() {
        return node;
    }

    @Override
    public String[] getSinks() {
        return targets.stream().map(target -> target.sink().name()).toArray(String[]::new);
    }

    @Override
    public long getWritten() {
        return written.get();
    }

    @Override
    public long getFailed() {
        return failed.get();
    }

    @Override
    public long getSpooled() {
        return spooled.get();
    }

    @Override
    public long getReplayed() {
        return replayed.get();
    }

    @Override
    public int getQueueDepth() {
        return queue.size();
    }

    @Override
    public long getRefused() {
        return refused.get();
    }

    @Override
    public long getUnrecorded() {
        return unrecorded.get();
    }
}
