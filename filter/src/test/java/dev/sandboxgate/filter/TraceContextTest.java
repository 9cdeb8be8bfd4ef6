package dev.sandboxgate.filter;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading {@code traceparent} as the W3C Trace Context specification (level 1, section 3.2) says. */
class TraceContextTest {
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT = "00f067aa0ba902b7";

    @Test
    void acceptsVersion00AndReadsLaterVersionsAs00() {
        assertThat(TraceContext.validTraceId("00-" + TRACE + "-" + PARENT + "-01")).isEqualTo(TRACE);
        assertThat(TraceContext.validTraceId("01-" + TRACE + "-" + PARENT + "-01")).isEqualTo(TRACE);
        assertThat(TraceContext.validTraceId("01-" + TRACE + "-" + PARENT + "-01-future")).isEqualTo(TRACE);
    }

    @Test
    void refusesWhatTheSpecificationCallsInvalid() {
        for (String header : new String[] {"", "00-" + TRACE + "-" + PARENT, "00-" + TRACE + "-" + PARENT + "-01-x",
                "01-" + TRACE + "-" + PARENT + "-01x", "ff-" + TRACE + "-" + PARENT + "-01",
                "00-" + TRACE.toUpperCase() + "-" + PARENT + "-01", "00-" + "0".repeat(32) + "-" + PARENT + "-01",
                "00-" + TRACE + "-" + "0".repeat(16) + "-01", "00_" + TRACE + "-" + PARENT + "-01",
                "0g-" + TRACE + "-" + PARENT + "-01"}) {
            assertThat(TraceContext.validTraceId(header)).as(header).isNull();
        }
    }

    @Test
    void continuesWithANewParentAndTheCallersFlagsAndState() {
        TraceContext trace = TraceContext.acceptOrStart(List.of("00-" + TRACE + "-" + PARENT + "-01"),
                List.of("a=1", "b=2"));

        assertThat(trace.traceparent()).matches("00-" + TRACE + "-[0-9a-f]{16}-01").doesNotContain(PARENT);
        assertThat(trace.tracestate()).isEqualTo("a=1,b=2");
    }

    @Test
    void startsAFreshTraceForTwoHeadersAndDropsTheState() {
        String header = "00-" + TRACE + "-" + PARENT + "-01";
        TraceContext trace = TraceContext.acceptOrStart(List.of(header, header), List.of("a=1"));

        assertThat(trace.traceId()).matches("[0-9a-f]{32}").isNotEqualTo(TRACE);
        assertThat(trace.flags()).isEqualTo("00");
        assertThat(trace.tracestate()).isNull();
    }
}
