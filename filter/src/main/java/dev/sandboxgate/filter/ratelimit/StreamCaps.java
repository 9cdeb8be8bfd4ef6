package dev.sandboxgate.filter.ratelimit;

import dev.sandboxgate.filter.GateExchange;
import dev.sandboxgate.filter.ProblemType;
import dev.sandboxgate.filter.Refusal;
import dev.sandboxgate.filter.Settings;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Caps on what a caller holds open at once, per subject and per workspace, in this JVM: event streams (and WebSocket
 * sessions) and ACP POSTs in flight (a prompt's POST lasts until the agent's turn ends, up to minutes). A slot is
 * taken when the request passes and given back when its exchange ends, however it ends: completed, failed, or the
 * client gone ({@link GateExchange#onEnd}). A cap of 0 turns that cap off.
 */
final class StreamCaps {
    static final String STREAMS_PER_SUBJECT = "max-streams-per-subject";
    static final String STREAMS_PER_WORKSPACE = "max-streams-per-workspace";
    static final String POSTS_PER_SUBJECT = "max-acp-posts-per-subject";
    static final String POSTS_PER_WORKSPACE = "max-acp-posts-per-workspace";

    private final int streamsPerSubject;
    private final int streamsPerWorkspace;
    private final int postsPerSubject;
    private final int postsPerWorkspace;
    private final StreamSlots slots = new StreamSlots();

    private StreamCaps(int streamsPerSubject, int streamsPerWorkspace, int postsPerSubject, int postsPerWorkspace) {
        this.streamsPerSubject = streamsPerSubject;
        this.streamsPerWorkspace = streamsPerWorkspace;
        this.postsPerSubject = postsPerSubject;
        this.postsPerWorkspace = postsPerWorkspace;
    }

    static StreamCaps from(Settings settings) {
        return new StreamCaps(cap(settings, STREAMS_PER_SUBJECT, 20), cap(settings, STREAMS_PER_WORKSPACE, 100),
                cap(settings, POSTS_PER_SUBJECT, 10), cap(settings, POSTS_PER_WORKSPACE, 50));
    }

    private static int cap(Settings settings, String name, int fallback) {
        return settings.optional(name).map(value -> {
            try {
                int cap = Integer.parseInt(value);
                if (cap >= 0) {
                    return cap;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw settings.invalid(name, value, "a number of open requests (0: no cap)");
        }).orElse(fallback);
    }

    /** Takes the exchange's slots, released when it ends; or the refusal when a cap is reached. */
    Refusal acquire(GateExchange exchange, String subject) {
        HttpServletRequest request = exchange.request();
        if (isStream(exchange, request)) {
            return acquire(exchange, "S", subject, streamsPerSubject, streamsPerWorkspace, "open event streams");
        }
        if ("acp.send".equals(exchange.operation()) && "POST".equals(request.getMethod())) {
            return acquire(exchange, "P", subject, postsPerSubject, postsPerWorkspace, "ACP requests in flight");
        }
        return null;
    }

    private Refusal acquire(GateExchange exchange, String kind, String subject, int perSubject, int perWorkspace,
                            String what) {
        String subjectKey = kind + "s:" + subject;
        if (!slots.tryAcquire(subjectKey, perSubject)) {
            return refusal(what, perSubject, "caller");
        }
        String workspace = exchange.workspace();
        String workspaceKey = workspace == null ? null : kind + "w:" + workspace;
        if (workspaceKey != null && !slots.tryAcquire(workspaceKey, perWorkspace)) {
            slots.release(subjectKey, perSubject);
            return refusal(what, perWorkspace, "workspace");
        }
        exchange.onEnd(outcome -> {
            slots.release(subjectKey, perSubject);
            if (workspaceKey != null) {
                slots.release(workspaceKey, perWorkspace);
            }
        });
        return null;
    }

    private static Refusal refusal(String what, int cap, String whose) {
        return Refusal.of(ProblemType.CONCURRENCY_LIMITED, "Too many " + what + " for this " + whose + " (at most "
                + cap + "); wait for one to end.");
    }

    /** An event stream (the SSE of an ACP server, a followed log) or a WebSocket upgrade: held open for long. */
    private static boolean isStream(GateExchange exchange, HttpServletRequest request) {
        if ("acp.stream".equals(exchange.operation())) {
            return true;
        }
        String upgrade = request.getHeader("Upgrade");
        if (upgrade != null && upgrade.equalsIgnoreCase("websocket")) {
            return true;
        }
        String accept = request.getHeader("Accept");
        return "GET".equals(request.getMethod()) && accept != null && accept.contains("text/event-stream");
    }

    /** Slots taken now by a subject's streams: for tests. */
    int openStreams(String subject) {
        return slots.taken("Ss:" + subject);
    }
}
