package dev.sandboxgate.filter.authz;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every route of Sandbox Agent 0.4.2 (read from its router and measured on the binary), each method classified into an
 * {@link Operation} and the confinement its arguments need. Anything not in the table is {@link Match.Unknown} and
 * refused: a route added upstream stays closed until it is classified here. {@code /ui} (the upstream's inspector,
 * which it serves without authentication) is {@link Match.Never}: no configuration opens it.
 *
 * <p>Matching is on decoded segments ({@link dev.sandboxgate.filter.path.RequestPath#segments()}). The upstream routes
 * on the raw path, where only an id segment may hold percent-encodings; since a literal route segment decodes to
 * itself, a path the upstream routes to X is classified as X here. An encoded alias of a literal segment
 * ({@code h%65alth}) may classify here but finds no route upstream.
 */
final class RouteTable {

    /** Which request arguments must be held inside the workspace's filesystem root. */
    enum Confinement {
        NONE,
        /** The {@code path} query parameter: required, once, absolute, inside the root. */
        QUERY_PATH,
        /** The {@code directory} query parameter: required, once, absolute, inside the root. */
        QUERY_DIRECTORY,
        /** {@code from} and {@code to} of a JSON body. */
        MOVE_BODY,
        /** The {@code path} query parameter, and every entry of the tar archive in the body as it is relayed. */
        ARCHIVE_BODY
    }

    /** A classified request. */
    record Route(Operation operation, Confinement confinement) {
    }

    sealed interface Match {
        record Found(Route route) implements Match {
        }

        /** The path is a route, the method is not one of its methods. */
        record WrongMethod(Set<String> allowed) implements Match {
        }

        /** Not a route of the sandbox's API. */
        record Unknown() implements Match {
        }

        /** A route the gateway never forwards. */
        record Never() implements Match {
        }
    }

    private static final String ID = "{}";
    private static final Match UNKNOWN = new Match.Unknown();
    private static final Match NEVER = new Match.Never();

    private record Rule(List<String> pattern, Map<String, Route> methods) {
    }

    private final List<Rule> rules = new ArrayList<>();
    /**
     * Per number of segments, the rules that can match a request of that size, keyed by the request's second segment
     * ({@code acp}, {@code fs}, {@code desktop}...), each list in {@link #rules}' order; {@link #anySecond} holds those
     * for a second segment no rule names literally. Built once: a request is matched against a handful of rules.
     */
    private List<Map<String, List<Rule>>> bySecond = List.of();
    private List<List<Rule>> anySecond = List.of();

    private RouteTable() {
    }

    /** The table for Sandbox Agent 0.4.2. */
    static RouteTable sandboxAgent() {
        RouteTable t = new RouteTable();
        t.rule("v1/health", "GET", Operation.HEALTH);
        t.rule("v1/agents", "GET", Operation.AGENTS_READ);
        t.rule("v1/agents/{}", "GET", Operation.AGENTS_READ);
        t.rule("v1/agents/{}/install", "POST", Operation.AGENTS_INSTALL);

        t.confined("v1/fs/entries", Confinement.QUERY_PATH, "GET", Operation.FS_READ);
        t.confined("v1/fs/stat", Confinement.QUERY_PATH, "GET", Operation.FS_READ);
        t.confined("v1/fs/file", Confinement.QUERY_PATH, "GET", Operation.FS_READ, "PUT", Operation.FS_WRITE);
        t.confined("v1/fs/entry", Confinement.QUERY_PATH, "DELETE", Operation.FS_DELETE);
        t.confined("v1/fs/mkdir", Confinement.QUERY_PATH, "POST", Operation.FS_WRITE);
        t.confined("v1/fs/upload-batch", Confinement.ARCHIVE_BODY, "POST", Operation.FS_UPLOAD);
        t.confined("v1/fs/move", Confinement.MOVE_BODY, "POST", Operation.FS_WRITE);

        for (String config : List.of("v1/config/mcp", "v1/config/skills")) {
            t.confined(config, Confinement.QUERY_DIRECTORY, "GET", Operation.CONFIG_READ,
                    "PUT", Operation.CONFIG_WRITE, "DELETE", Operation.CONFIG_WRITE);
        }

        t.rule("v1/acp", "GET", Operation.ACP_LIST);
        t.rule("v1/acp/{}", "GET", Operation.ACP_STREAM, "POST", Operation.ACP_SEND, "DELETE", Operation.ACP_DELETE);

        t.rule("v1/processes", "GET", Operation.PROCESS_READ, "POST", Operation.PROCESS_EXEC);
        t.rule("v1/processes/config", "GET", Operation.PROCESS_READ, "POST", Operation.PROCESS_EXEC,
                "PUT", Operation.PROCESS_EXEC);
        t.rule("v1/processes/run", "POST", Operation.PROCESS_EXEC);
        t.rule("v1/processes/{}", "GET", Operation.PROCESS_READ, "DELETE", Operation.PROCESS_EXEC);
        for (String action : List.of("stop", "kill", "input", "terminal/resize")) {
            t.rule("v1/processes/{}/" + action, "POST", Operation.PROCESS_EXEC);
        }
        t.rule("v1/processes/{}/logs", "GET", Operation.PROCESS_READ);
        t.rule("v1/processes/{}/terminal/ws", "GET", Operation.PROCESS_EXEC); // a WebSocket: input to a shell

        for (String desktop : List.of("status", "start", "stop", "screenshot", "screenshot/region", "mouse/position",
                "mouse/move", "mouse/click", "mouse/down", "mouse/up", "mouse/drag", "mouse/scroll", "keyboard/type",
                "keyboard/press", "keyboard/down", "keyboard/up", "display/info", "windows", "windows/focused",
                "windows/{}/focus", "windows/{}/move", "windows/{}/resize", "clipboard", "launch", "open",
                "recording/start", "recording/stop", "recordings", "recordings/{}", "recordings/{}/download",
                "stream/start", "stream/stop", "stream/status")) {
            t.rule("v1/desktop/" + desktop, "GET", Operation.DESKTOP_READ, "POST", Operation.DESKTOP_CONTROL,
                    "PUT", Operation.DESKTOP_CONTROL, "DELETE", Operation.DESKTOP_CONTROL);
        }
        t.rule("v1/desktop/stream/signaling", "GET", Operation.DESKTOP_CONTROL); // a WebSocket: remote control
        return t;
    }

    /** Classifies {@code method} (HEAD as GET) on the decoded {@code segments}. */
    Match classify(String method, List<String> segments) {
        if (!segments.isEmpty() && segments.get(0).equals("ui")) {
            return NEVER;
        }
        String verb = method.equals("HEAD") ? "GET" : method;
        if (!segments.isEmpty() && segments.get(0).equals("opencode")) {
            return opencode(verb, segments);
        }
        int size = segments.size();
        if (size >= anySecond.size()) {
            return UNKNOWN;
        }
        List<Rule> candidates = size < 2 ? anySecond.get(size)
                : bySecond.get(size).getOrDefault(segments.get(1), anySecond.get(size));
        for (Rule rule : candidates) {
            if (matches(rule.pattern(), segments)) {
                Route route = rule.methods().get(verb);
                if (route != null) {
                    return new Match.Found(route);
                }
                Set<String> allowed = new LinkedHashSet<>(rule.methods().keySet());
                if (allowed.contains("GET")) {
                    allowed.add("HEAD");
                }
                return new Match.WrongMethod(Set.copyOf(allowed));
            }
        }
        return UNKNOWN;
    }

    /**
     * The OpenCode compatibility layer ({@code /opencode/...}): reads and writes. Its sessions are not scoped to a
     * caller, so both are owner-only by default.
     */
    private static Match opencode(String verb, List<String> segments) {
        if (segments.size() < 2 || segments.stream().anyMatch(String::isEmpty)) {
            return UNKNOWN;
        }
        return switch (verb) {
            case "GET" -> new Match.Found(new Route(Operation.OPENCODE_READ, Confinement.NONE));
            case "POST", "PUT", "PATCH", "DELETE" ->
                    new Match.Found(new Route(Operation.OPENCODE_WRITE, Confinement.NONE));
            default -> new Match.WrongMethod(Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"));
        };
    }

    private static boolean matches(List<String> pattern, List<String> segments) {
        if (pattern.size() != segments.size()) {
            return false;
        }
        for (int i = 0; i < pattern.size(); i++) {
            String expected = pattern.get(i);
            String actual = segments.get(i);
            if (expected.equals(ID) ? actual.isEmpty() : !expected.equals(actual)) {
                return false;
            }
        }
        return true;
    }

    private void rule(String path, Object... methodsAndOperations) {
        confined(path, Confinement.NONE, methodsAndOperations);
    }

    private void confined(String path, Confinement confinement, Object... methodsAndOperations) {
        Map<String, Route> methods = new LinkedHashMap<>();
        for (int i = 0; i < methodsAndOperations.length; i += 2) {
            methods.put((String) methodsAndOperations[i],
                    new Route((Operation) methodsAndOperations[i + 1], confinement));
        }
        List<String> pattern = List.of(path.split("/"));
        // Literal rules go before every rule with an id, so "v1/processes/run" is never read as "v1/processes/{}".
        int at = rules.size();
        if (!pattern.contains(ID)) {
            for (int i = 0; i < rules.size(); i++) {
                if (rules.get(i).pattern().contains(ID)) {
                    at = i;
                    break;
                }
            }
        }
        rules.add(at, new Rule(pattern, methods));
        index();
    }

    private void index() {
        int longest = rules.stream().mapToInt(rule -> rule.pattern().size()).max().orElse(0);
        List<Map<String, List<Rule>>> second = new ArrayList<>();
        List<List<Rule>> any = new ArrayList<>();
        for (int size = 0; size <= longest; size++) {
            List<Rule> sized = new ArrayList<>();
            for (Rule rule : rules) {
                if (rule.pattern().size() == size) {
                    sized.add(rule);
                }
            }
            List<Rule> unnamed = sized.stream().filter(rule -> !namesSecond(rule)).toList();
            Map<String, List<Rule>> named = new HashMap<>();
            for (Rule rule : sized) {
                if (namesSecond(rule)) {
                    String literal = rule.pattern().get(1);
                    named.put(literal, sized.stream()
                            .filter(r -> !namesSecond(r) || r.pattern().get(1).equals(literal)).toList());
                }
            }
            second.add(Map.copyOf(named));
            any.add(unnamed);
        }
        bySecond = List.copyOf(second);
        anySecond = List.copyOf(any);
    }

    /** Whether the rule's second segment is literal (not an id), so it can only match requests naming it. */
    private static boolean namesSecond(Rule rule) {
        return rule.pattern().size() >= 2 && !rule.pattern().get(1).equals(ID);
    }
}
