package dev.sandboxgate.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxgate.filter.WorkspaceRole;
import dev.sandboxgate.proxy.RawClient;
import dev.sandboxgate.proxy.RoleTokenAuthenticator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Who may use an ACP session, against the real Sandbox Agent server and the mock agent, under the default
 * {@code session-visibility=owner}. Workspace ws_1: members Ann (who starts the session) and Bob, owner Olga, viewer
 * Vic; workspace ws_2: member Zed. Every refusal is also checked on the sandbox's side: the relay in front of it
 * received nothing.
 */
class SessionOwnershipIT {
    private static final String ANN = GatedSandbox.as(WorkspaceRole.MEMBER, "ws_1", "ann");
    private static final String BOB = GatedSandbox.as(WorkspaceRole.MEMBER, "ws_1", "bob");
    private static final String VIC = GatedSandbox.as(WorkspaceRole.VIEWER, "ws_1", "vic");
    private static final String ZED = GatedSandbox.as(WorkspaceRole.MEMBER, "ws_2", "zed");

    @RegisterExtension
    static final PerClass<GatedSandbox> gated = PerClass.start(() -> GatedSandbox.start(false));
    private static String annSession;

    @BeforeAll
    static void startSessions() throws Exception {
        annSession = client("ws_1", WorkspaceRole.MEMBER, "ann").startSession("s-ann", gated.get().root.toString());
        client("ws_2", WorkspaceRole.MEMBER, "zed").startSession("s-zed", gated.get().root.toString());
    }

    private static AcpClient client(String workspace, WorkspaceRole role, String subject) {
        return new AcpClient(gated.get().gateway.mountUrl() + "/" + workspace,
                RoleTokenAuthenticator.token(role, workspace, subject));
    }

    private static String prompt(String text) {
        return "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"session/prompt\",\"params\":{\"sessionId\":\"" + annSession
                + "\",\"prompt\":[{\"type\":\"text\",\"text\":\"" + text + "\"}]}}";
    }

    /** Sends and asserts the gateway refused with {@code status} and {@code type}, and the sandbox saw nothing. */
    private static void assertRefused(String method, String target, String auth, String body, int status,
                                      String type) throws IOException {
        int mark = gated.get().relay.mark();
        RawClient.Response response = gated.get().send(method, target, auth, body);
        assertThat(response.status()).as(method + " " + target).isEqualTo(status);
        assertThat(response.bodyText()).contains("urn:sandbox-gate:problem:" + type);
        assertThat(gated.get().relay.mark()).as(method + " " + target + " reached the sandbox").isEqualTo(mark);
    }

    @Test
    void anotherWorkspaceIsToldTheSessionDoesNotExist() throws Exception {
        assertRefused("POST", "/sandbox/ws_2/v1/acp/s-ann", ZED, prompt("hi"), 404, "session-not-found");
        assertRefused("GET", "/sandbox/ws_2/v1/acp/s-ann", ZED, null, 404, "session-not-found");
        assertRefused("DELETE", "/sandbox/ws_2/v1/acp/s-ann", ZED, null, 404, "session-not-found");
        // The sandbox decodes the id: an encoded alias is the same session.
        assertRefused("POST", "/sandbox/ws_2/v1/acp/s%2Dann", ZED, prompt("hi"), 404, "session-not-found");
        // Zed's own ids are his: the gateway did not confuse them with Ann's.
        int mark = gated.get().relay.mark();
        assertThat(client("ws_2", WorkspaceRole.MEMBER, "zed").prompt("s-zed", "any", "chunks=0")).contains("\"id\"");
        assertThat(gated.get().relay.requestsSince(mark)).containsExactly("POST /v1/acp/s-zed");
    }

    @Test
    void anotherMemberCannotPromptOrDeleteTheSessionButTheWorkspaceOwnerCan() throws Exception {
        assertRefused("POST", "/sandbox/ws_1/v1/acp/s-ann", BOB, prompt("from bob"), 403, "operation-forbidden");
        assertRefused("DELETE", "/sandbox/ws_1/v1/acp/s-ann", BOB, null, 403, "operation-forbidden");

        int mark = gated.get().relay.mark();
        String answer = client("ws_1", WorkspaceRole.OWNER, "olga").prompt("s-ann", annSession, "from olga chunks=1");
        assertThat(answer).contains("end_turn");
        assertThat(gated.get().relay.requestsSince(mark)).containsExactly("POST /v1/acp/s-ann");
        assertThat(client("ws_1", WorkspaceRole.MEMBER, "ann").prompt("s-ann", annSession, "from ann chunks=1"))
                .contains("end_turn");
    }

    @Test
    void aViewerCanStreamTheSessionButNotPromptIt() throws Exception {
        assertRefused("POST", "/sandbox/ws_1/v1/acp/s-ann", VIC, prompt("from vic"), 403, "operation-forbidden");

        try (RawClient.Connection stream = RawClient.open(gated.get().gateway.baseUrl(), 0)) {
            stream.send("GET /sandbox/ws_1/v1/acp/s-ann HTTP/1.1\r\nHost: gw\r\n" + VIC
                    + "\r\nAccept: text/event-stream\r\nLast-Event-ID: 0");
            RawClient.Response head = stream.readHead();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.first("Content-Type")).startsWith("text/event-stream");

            // The sandbox answers the stream's headers before its subscription is live, so a turn that starts at
            // once can miss it (seen on busy machines, Last-Event-ID replay notwithstanding). Ann prompts again
            // until the viewer's stream shows a whole turn: what is tested is that a viewer receives the events.
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            Thread reader = new Thread(() -> copyEvents(stream.input(), seen), "viewer-stream");
            reader.setDaemon(true);
            reader.start();
            for (int turn = 1; turn <= 5 && !contains(seen, "chunk 3/3"); turn++) {
                client("ws_1", WorkspaceRole.MEMBER, "ann").prompt("s-ann", annSession,
                        "seen by vic chunks=3 delayMs=300");
                for (int waited = 0; waited < 30 && !contains(seen, "chunk 3/3"); waited++) {
                    Thread.sleep(100);
                }
            }
            assertThat(contains(seen, "chunk 3/3")).as("the viewer's stream carried a whole turn").isTrue();
            assertThat(contains(seen, "agent_message_chunk")).isTrue();
        }
    }

    private static boolean contains(ByteArrayOutputStream seen, String marker) {
        synchronized (seen) {
            return seen.toString(StandardCharsets.UTF_8).contains(marker);
        }
    }

    /** Copies a chunked event stream's data into {@code seen} until it ends or the socket is closed. */
    private static void copyEvents(InputStream in, ByteArrayOutputStream seen) {
        try {
            while (true) {
                int size = Integer.parseInt(line(in).trim(), 16);
                if (size == 0) {
                    return;
                }
                byte[] data = in.readNBytes(size);
                synchronized (seen) {
                    seen.write(data, 0, data.length);
                }
                line(in);
            }
        } catch (IOException | NumberFormatException closed) {
            // the test closed the connection, or the socket's timeout passed
        }
    }

    @Test
    void theListShowsOnlyTheCallersWorkspacesSessions() throws Exception {
        String direct = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(gated.get().sandbox.url()
                        + "/v1/acp")).header("Authorization", "Bearer " + gated.get().sandbox.token()).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(direct).as("the sandbox itself lists every caller's servers").contains("\"s-ann\"")
                .contains("\"s-zed\"");

        RawClient.Response ws1 = gated.get().send("GET", "/sandbox/ws_1/v1/acp", VIC, null);
        assertThat(ws1.status()).isEqualTo(200);
        assertThat(ws1.bodyText()).contains("\"s-ann\"").doesNotContain("s-zed");
        RawClient.Response ws2 = gated.get().send("GET", "/sandbox/ws_2/v1/acp", ZED, null);
        assertThat(ws2.status()).isEqualTo(200);
        assertThat(ws2.bodyText()).contains("\"s-zed\"").doesNotContain("s-ann");
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }
}
