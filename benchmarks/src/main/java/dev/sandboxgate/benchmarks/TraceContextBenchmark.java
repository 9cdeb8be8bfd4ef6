package dev.sandboxgate.benchmarks;

import dev.sandboxgate.filter.TraceContext;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the W3C trace context costs per request, as the filter calls it: continuing a caller's {@code traceparent}
 * (validate, new span id, render the forwarded header) and starting a trace (new trace and span ids), on one thread
 * and on two (the ids come from each thread's own generator; a shared {@code SecureRandom} contended).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TraceContextBenchmark {
    private static final List<String> CALLER = List.of("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    private static final List<String> STATE = List.of("vendor=abc");

    @Benchmark
    public String continueCallersTrace() {
        return TraceContext.acceptOrStart(CALLER, STATE).traceparent();
    }

    @Benchmark
    public String startTrace() {
        return TraceContext.acceptOrStart(List.of(), List.of()).traceparent();
    }

    @Benchmark
    @Threads(2)
    public String startTraceTwoThreads() {
        return TraceContext.acceptOrStart(List.of(), List.of()).traceparent();
    }
}
