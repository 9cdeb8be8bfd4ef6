package dev.sandboxgate.proxy.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.websocket.CloseReason;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CloseCodesTest {

    @Test
    void codesTheJdkClientMaySendCrossUnchanged() {
        for (int code : new int[] {1000, 1001, 1008, 1011, 3000, 4001, 4999}) {
            assertThat(CloseCodes.toSandbox(code)).isEqualTo(code);
        }
    }

    @Test
    void codesTheJdkClientMayNotSendBecomeTheNearestItMay() {
        assertThat(CloseCodes.toSandbox(1005)).as("no status").isEqualTo(1000);
        for (int code : new int[] {1002, 1003, 1007, 1009, 1010}) {
            assertThat(CloseCodes.toSandbox(code)).as("code %d", code).isEqualTo(1011);
        }
    }

    @Test
    void aSandboxThatBrokeOffOrSentNoCodeClosesTheCallerWithACodeItCanSend() {
        assertThat(CloseCodes.toCaller(1006, "").getCloseCode()).isEqualTo(CloseReason.CloseCodes.UNEXPECTED_CONDITION);
        assertThat(CloseCodes.toCaller(1005, "").getCloseCode()).isEqualTo(CloseReason.CloseCodes.NORMAL_CLOSURE);
        CloseReason exited = CloseCodes.toCaller(4002, "process exited");
        assertThat(exited.getCloseCode().getCode()).isEqualTo(4002);
        assertThat(exited.getReasonPhrase()).isEqualTo("process exited");
    }

    @Test
    void reasonsAreCutToWhatACloseFrameCarriesAtACharacterBoundary() {
        String long3ByteChars = "\u4e2d".repeat(50); // 150 bytes
        String cut = CloseCodes.reason(long3ByteChars);
        assertThat(cut.getBytes(StandardCharsets.UTF_8).length).isEqualTo(123);
        assertThat(cut).isEqualTo("\u4e2d".repeat(41));
        assertThat(CloseCodes.reason("x".repeat(200)).length()).isEqualTo(123);
        assertThat(CloseCodes.reason(null)).isEmpty();
    }
}
