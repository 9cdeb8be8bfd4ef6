package dev.sandboxgate.filter.authz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The session registry's claims, the strict JSON reader, and the server-list filter on their own. */
class AcpPiecesTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theFirstWorkspaceToUseAnIdKeepsItAndTheFirstSenderBecomesItsCreator() {
        SessionRegistry registry = new InMemorySessionRegistry(10);
        assertThat(registry.find("s")).isNull();
        assertThat(registry.claim("s", "ws_a", null)).isEqualTo(new SessionRegistry.Binding("ws_a", null));
        assertThat(registry.claim("s", "ws_b", "ben")).isEqualTo(new SessionRegistry.Binding("ws_a", null));
        assertThat(registry.claim("s", "ws_a", "ann")).isEqualTo(new SessionRegistry.Binding("ws_a", "ann"));
        assertThat(registry.claim("s", "ws_a", "amy")).isEqualTo(new SessionRegistry.Binding("ws_a", "ann"));
        assertThat(registry.find("s")).isEqualTo(new SessionRegistry.Binding("ws_a", "ann"));
    }

    @Test
    void readsOnlyStrictJson() throws Exception {
        assertThat(JsonTree.parse(utf8("{\"a\":[1,\"x\",true,null]}"))).isNotNull();
        for (String bad : new String[] {"{\"a\":1,\"a\":2}", "{} {}", "{\"a\":1}]", "", "{'a':1}", "[1,]",
                "{\"a\":" + "[".repeat(70) + "]".repeat(70) + "}"}) {
            assertThatThrownBy(() -> JsonTree.parse(utf8(bad))).as(bad).isInstanceOf(JsonTree.Invalid.class);
        }
    }

    @Test
    void readsUtf8OnlyAsTheSandboxDoes() {
        byte[] bom = {(byte) 0xef, (byte) 0xbb, (byte) 0xbf, '{', '}'};
        byte[] utf16 = "{\"method\":\"x\"}".getBytes(StandardCharsets.UTF_16BE);
        byte[] latin1 = "{\"a\":\"\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
        byte[] overlong = {'{', '"', 'a', '"', ':', '"', (byte) 0xc0, (byte) 0xaf, '"', '}'};
        for (byte[] bad : new byte[][] {bom, utf16, latin1, overlong}) {
            assertThatThrownBy(() -> JsonTree.parse(bad)).isInstanceOf(JsonTree.Invalid.class);
        }
    }

    @Test
    void aKeySpelledWithEscapesIsTheSameKey() {
        assertThatThrownBy(() -> JsonTree.parse(utf8("{\"method\":\"a\",\"\\u006dethod\":\"b\"}")))
                .isInstanceOf(JsonTree.Invalid.class);
    }

    @Test
    void boundsKeysAndTokens() throws Exception {
        assertThat(JsonTree.parse(utf8("{\"" + "k".repeat(1024) + "\":1}"))).isNotNull();
        assertThatThrownBy(() -> JsonTree.parse(utf8("{\"" + "k".repeat(1025) + "\":1}")))
                .isInstanceOf(JsonTree.Invalid.class);
        assertThatThrownBy(() -> JsonTree.parse(utf8("[" + "1,".repeat(100_000) + "1]")))
                .isInstanceOf(JsonTree.Invalid.class);
    }

    @Test
    void theServerListFilterKeepsOnlyVisibleEntriesAndRefusesWhatItCannotRead() {
        AcpListFilter filter = new AcpListFilter(id -> id.equals("keep"));
        assertThat(new String(filter.apply(utf8("{\"servers\":[{\"serverId\":\"keep\",\"n\":-1.5E-3},"
                + "{\"serverId\":\"drop\"},{\"agent\":\"no-id\"},7]}")), StandardCharsets.UTF_8))
                .isEqualTo("{\"servers\":[{\"serverId\":\"keep\",\"n\":-1.5E-3}]}");
        assertThat(filter.apply(utf8("{\"status\":\"ok\"}"))).isNull();
        assertThat(filter.apply(utf8("[]"))).isNull();
        assertThat(filter.apply(utf8("{\"servers\":[],\"servers\":[{\"serverId\":\"drop\"}]}"))).isNull();
    }
}
