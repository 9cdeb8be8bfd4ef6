package dev.sandboxgate.filter.path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PercentDecodingTest {

    @Test
    void decodesOnceWithOrWithoutPlusAsSpace() throws Exception {
        assertThat(PercentDecoding.decode("a%2Fb+c%25", false)).isEqualTo("a/b+c%");
        assertThat(PercentDecoding.decode("a%2Fb+c%25", true)).isEqualTo("a/b c%");
        assertThat(PercentDecoding.decode("caf%C3%A9", false)).isEqualTo("café");
    }

    @Test
    void refusesWhatALenientDecoderWouldGuess() {
        for (String raw : new String[] {"%", "%2", "%g0", "%C0%AE", "%E0%80%AE", "%ED%A0%80", "%FF", "%C3",
                "\u00e9", "a b", "\u0663\u0663"}) {
            assertThatThrownBy(() -> PercentDecoding.decode(raw, true)).as(raw)
                    .isInstanceOf(PercentDecoding.Invalid.class);
        }
        // Arabic-Indic digits are digits to Character.digit, never hex to a URL parser.
        assertThatThrownBy(() -> PercentDecoding.decode("%\u0663\u0663", false))
                .isInstanceOf(PercentDecoding.Invalid.class);
    }

    @Test
    void spotsDoubleEncoding() {
        assertThat(PercentDecoding.holdsEncoding("%2e")).isTrue();
        assertThat(PercentDecoding.holdsEncoding("a%2Fb")).isTrue();
        assertThat(PercentDecoding.holdsEncoding("100%")).isFalse();
        assertThat(PercentDecoding.holdsEncoding("%zz")).isFalse();
    }
}
