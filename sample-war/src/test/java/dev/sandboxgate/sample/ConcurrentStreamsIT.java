package dev.sandboxgate.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * 1,000 browsers watch one agent session through the gateway at once, against the real Sandbox Agent server: every
 * stream receives every event, and the gateway (container pool of 200 threads) runs them on fewer than 300 threads
 * in all, because an open stream holds no thread.
 */
class ConcurrentStreamsIT {
    private static final int STREAMS = 1_000;
    private static final int CHUNKS = 5;
    private static final String APP_TOKEN = "streams-it-app-token";

    @Test
    void thousandConcurrentEventStreamsAllReceiveEveryEventOnFewThreads() throws Exception {
        try (SandboxAgentServer sandbox = SandboxAgentServer.start();
             // One caller opens all the streams: the caps per caller and workspace (20 and 100 by default) and the
             // default bucket are lifted for this test of the relay, not of the limits.
             GatewayProcess gateway = GatewayProcess.start(sandbox.url(), sandbox.token(), APP_TOKEN,
                     List.of("-DMAX_STREAMS_PER_SUBJECT=0", "-DMAX_STREAMS_PER_WORKSPACE=0", "-DRATE_LIMITS=off"))) {
            AcpClient acp = new AcpClient(gateway.baseUrl("ws_streams"), APP_TOKEN);
            String sessionId = acp.startSession("streams-it");
            long liveHeapBefore = gateway.liveHeapBytes();

            HttpClient client = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(4)).build();
            CountDownLatch opened = new CountDownLatch(STREAMS);
            CountDownLatch allChunks = new CountDownLatch(STREAMS);
            List<AtomicInteger> chunksPerStream = new ArrayList<>();
            List<CompletableFuture<?>> streams = new ArrayList<>();
            ConcurrentHashMap<Integer, Integer> badStatus = new ConcurrentHashMap<>();
            for (int i = 0; i < STREAMS; i++) {
                AtomicInteger chunks = new AtomicInteger();
                chunksPerStream.add(chunks);
                int stream = i;
                streams.add(client.sendAsync(
                        acp.request("streams-it").header("Accept", "text/event-stream").GET().build(),
                        info -> {
                            if (info.statusCode() != 200) {
                                badStatus.put(stream, info.statusCode());
                            }
                            opened.countDown();
                            return HttpResponse.BodySubscribers.fromLineSubscriber(new LineCounter(line -> {
                                if (line.startsWith("data:") && line.contains("agent_message_chunk")
                                        && chunks.incrementAndGet() == CHUNKS) {
                                    allChunks.countDown();
                                }
                            }));
                        }));
            }
            assertThat(opened.await(120, TimeUnit.SECONDS)).as("all streams opened").isTrue();
            assertThat(badStatus).isEmpty();
            int threadsWithStreamsOpen = gateway.liveThreads();

            acp.prompt("streams-it", sessionId, "chunks=" + CHUNKS);
            boolean delivered = allChunks.await(120, TimeUnit.SECONDS);
            int threadsAfterDelivery = gateway.liveThreads();
            long heapPerStream = (gateway.liveHeapBytes() - liveHeapBefore) / STREAMS;

            assertThat(IntStream.range(0, STREAMS).filter(i -> chunksPerStream.get(i).get() != CHUNKS).count())
                    .as("streams that did not receive exactly %d chunks", CHUNKS).isZero();
            assertThat(delivered).isTrue();
            System.out.printf("gateway live threads: %d with %d streams open, %d after delivery%n",
                    threadsWithStreamsOpen, STREAMS, threadsAfterDelivery);
            assertThat(threadsWithStreamsOpen).isLessThan(300);
            assertThat(threadsAfterDelivery).isLessThan(300);
            System.out.printf("gateway live heap per open stream: %d bytes%n", heapPerStream);
            assertThat(heapPerStream).as("live heap per open event stream, bytes").isLessThanOrEqualTo(64 * 1024);
            streams.forEach(s -> s.cancel(true));
            assertThat(gateway.output()).doesNotContain(sandbox.token());
        }
    }

    /** Hands each line of an event stream to a callback. */
    private record LineCounter(java.util.function.Consumer<String> onLine)
            implements java.util.concurrent.Flow.Subscriber<String> {
        @Override
        public void onSubscribe(java.util.concurrent.Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
            onLine.accept(line);
        }

        @Override
        public void onError(Throwable throwable) {
            // the test cancels the streams at the end
        }

        @Override
        public void onComplete() {
            // event streams do not end by themselves
        }
    }
}
