package dev.sandboxgate.filter.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AuditRecordTest {

    static AuditRecord decision(String requestId, String subject, String workspace) {
        return new AuditRecord(AuditRecord.SCHEMA, null, 0, Instant.parse("2026-11-26T17:00:00.123Z"), requestId,
                "4bf92f3577b34da6a3ce929d0e0e4736", AuditRecord.DECISION, subject, "jwt", workspace, null, "s-1", "session/prompt", "acp.send", "POST",
                "/" + workspace + "/v1/acp/s-1", "x=1", "allowed", null, null, null, null, null, null, "127.0.0.1",
                "sdk/0.4.2 \"quoted\" ü", "sha256:ab", 12, null, null);
    }

    @Test
    void theJsonFormReadsBackToTheSameRecordAndHash() throws Exception {
        AuditRecord chained = decision("r1", "alice", "ws_1").chained("node-1", 7, "ab".repeat(32));

        AuditRecord read = AuditRecord.fromJson(chained.toJson());

        assertThat(read).isEqualTo(chained);
        assertThat(read.hashMatches()).isTrue();
        assertThat(chained.toJson()).startsWith("{\"schema\":2,\"node\":\"node-1\",\"seq\":7,\"ts\":"
                + "\"2026-11-26T17:00:00.123Z\",\"requestId\":\"r1\",\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"event\":\"decision\",\"subject\":\"alice\"");
        assertThat(chained.toJson()).doesNotContain("null").endsWith("\"hash\":\"" + chained.hash() + "\"}");
        assertThat(chained.hash()).isEqualTo(RecordFactory.sha256(chained.canonicalJson()));
    }

    @Test
    void anyChangedValueChangesTheHash() throws Exception {
        AuditRecord chained = decision("r1", "alice", "ws_1").chained("node-1", 7, null);
        AuditRecord edited = AuditRecord.fromJson(chained.toJson().replace("\"alice\"", "\"mallory\""));

        assertThat(edited.hashMatches()).isFalse();
    }

    @Test
    void refusesUnknownRepeatedOrMistypedFields() {
        String json = decision("r1", "alice", "ws_1").chained("n", 1, null).toJson();
        assertThatThrownBy(() -> AuditRecord.fromJson(json.replace("{\"schema\":2,", "{\"schema\":2,\"extra\":\"x\",")))
                .isInstanceOf(AuditRecord.Unreadable.class);
        assertThatThrownBy(() -> AuditRecord.fromJson(json.replace("{\"schema\":2,", "{\"schema\":2,\"schema\":1,")))
                .isInstanceOf(AuditRecord.Unreadable.class);
        assertThatThrownBy(() -> AuditRecord.fromJson(json.replace("\"seq\":1", "\"seq\":\"1\"")))
                .isInstanceOf(AuditRecord.Unreadable.class);
        assertThatThrownBy(() -> AuditRecord.fromJson(json + "{}")).isInstanceOf(AuditRecord.Unreadable.class);
    }

    @Test
    void redactsSecretLikeQueryParametersByNameAndJwtShapedValues() {
        String jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln";
        assertThat(RecordFactory.redactQuery("path=%2Fworkspace%2Fa&access_token=abc&follow=true"))
                .isEqualTo("path=%2Fworkspace%2Fa&access_token=REDACTED&follow=true");
        assertThat(RecordFactory.redactQuery("api_key=k&Password=p&client_secret=s&ACCESS%5FTOKEN=t&x=" + jwt))
                .isEqualTo("api_key=REDACTED&Password=REDACTED&client_secret=REDACTED&ACCESS%5FTOKEN=REDACTED"
                        + "&x=REDACTED");
        assertThat(RecordFactory.redactQuery("token")).isEqualTo("token=REDACTED");
        assertThat(RecordFactory.redactQuery(null)).isNull();
    }

    @Test
    void readsThePromptTextOfSessionPromptMessagesOnly() {
        byte[] prompt = ("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"session/prompt\",\"params\":{\"sessionId\":\"x\","
                + "\"prompt\":[{\"type\":\"text\",\"text\":\"hello\"},{\"type\":\"image\",\"data\":\"AAAA\"},"
                + "{\"type\":\"text\",\"text\":\"world\"}]}}").getBytes(StandardCharsets.UTF_8);
        byte[] other = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"prompt\":[]}}"
                .getBytes(StandardCharsets.UTF_8);

        assertThat(RecordFactory.promptText(prompt)).isEqualTo("hello\nworld");
        assertThat(RecordFactory.promptText(other)).isNull();
    }

    @Test
    void cleansWhatADatabaseRefusesAndCapsLength() {
        assertThat(RecordFactory.clean("a\u0000b", 10)).isEqualTo("a\uFFFDb");
        assertThat(RecordFactory.clean("a\uD800b", 10)).isEqualTo("a\uFFFDb");
        assertThat(RecordFactory.clean("ab\uD83D\uDE00", 3)).isEqualTo("ab"); // never half a surrogate pair
        assertThat(RecordFactory.clean("abcdef", 4)).isEqualTo("abcd");
    }
}
