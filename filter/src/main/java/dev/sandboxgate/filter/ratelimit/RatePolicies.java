package dev.sandboxgate.filter.ratelimit;

import dev.sandboxgate.filter.Settings;
import dev.sandboxgate.filter.authz.Operation;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parsed {@code rate-limits} init-param: rows separated by {@code ;}, each {@code name=N/period[,burst=N]} or
 * {@code name=off}, e.g. {@code acp.send=10/1m,burst=5; fs.write=60/1m; default=600/1m; unauthenticated=30/1m}.
 * A name is an operation of the route policy, {@code default} (every operation without a row of its own) or
 * {@code unauthenticated} (per client address: requests that fail authentication). The period is a number and
 * {@code s}, {@code m} or {@code h}; without {@code burst}, a bucket holds {@code N} tokens. Rows replace the built-in
 * defaults of the same name; the others stay. {@code off} (the whole param) turns rate limiting off.
 */
final class RatePolicies {
    static final String PARAM = "rate-limits";
    static final String DEFAULT = "default";
    static final String UNAUTHENTICATED = "unauthenticated";
    /** What applies when {@code rate-limits} is not set: generous for people and the SDK, tight for bad credentials. */
    static final String BUILT_IN = "acp.send=120/1m; default=1200/1m; unauthenticated=60/1m";

    private static final Pattern ROW = Pattern.compile(
            "([a-z][a-z0-9._-]*)\\s*=\\s*(?:(off)|(\\d{1,9})\\s*/\\s*(\\d{1,6})(s|m|h)(?:\\s*,\\s*burst\\s*=\\s*(\\d{1,9}))?)");

    private final Map<String, RatePolicy> byOperation;
    private final RatePolicy fallback;
    private final RatePolicy unauthenticated;

    private RatePolicies(Map<String, RatePolicy> rows) {
        Map<String, RatePolicy> operations = new HashMap<>(rows);
        this.fallback = operations.remove(DEFAULT);
        this.unauthenticated = operations.remove(UNAUTHENTICATED);
        this.byOperation = Map.copyOf(operations);
    }

    /** The policies {@code settings} configure, or null when {@code rate-limits=off}. */
    static RatePolicies from(Settings settings) {
        String text = settings.optional(PARAM).orElse(null);
        if ("off".equals(text)) {
            return null;
        }
        Map<String, RatePolicy> rows = parse(settings, BUILT_IN, BUILT_IN);
        if (text != null) {
            rows.putAll(parse(settings, text, text));
        }
        rows.values().removeIf(policy -> policy == null);
        return new RatePolicies(rows);
    }

    /** Rows by name; a row written {@code off} maps to null. */
    private static Map<String, RatePolicy> parse(Settings settings, String text, String shown) {
        Set<String> names = names();
        Map<String, RatePolicy> rows = new LinkedHashMap<>();
        for (String row : text.split(";")) {
            if (row.isBlank()) {
                continue;
            }
            Matcher m = ROW.matcher(row.trim());
            if (!m.matches()) {
                throw settings.invalid(PARAM, shown, "a list of rows such as 'acp.send=10/1m,burst=5; "
                        + "default=600/1m; unauthenticated=30/1m' (N/period with period 1s, 1m, 1h, ...; optional "
                        + "burst=N; or name=off): cannot read '" + row.trim() + "'");
            }
            String name = m.group(1);
            if (!names.contains(name)) {
                throw settings.invalid(PARAM, shown, "a list of rows naming default, unauthenticated or an "
                        + "operation (" + String.join(", ", names) + "): unknown name '" + name + "'");
            }
            if (rows.containsKey(name)) {
                throw settings.invalid(PARAM, shown, "a list naming each operation once: '" + name + "' twice");
            }
            rows.put(name, m.group(2) != null ? null : policy(settings, shown, m));
        }
        return rows;
    }

    private static RatePolicy policy(Settings settings, String shown, Matcher m) {
        String name = m.group(1);
        long tokens = Long.parseLong(m.group(3));
        long amount = Long.parseLong(m.group(4));
        Duration period = switch (m.group(5)) {
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
        long burst = m.group(6) == null ? tokens : Long.parseLong(m.group(6));
        if (tokens < 1 || amount < 1 || burst < 1) {
            throw settings.invalid(PARAM, shown, "a list of rows whose counts and periods are at least 1: '"
                    + name + "'");
        }
        return new RatePolicy(name, tokens, period, burst);
    }

    private static Set<String> names() {
        Set<String> names = new TreeSet<>();
        names.add(DEFAULT);
        names.add(UNAUTHENTICATED);
        Arrays.stream(Operation.values()).map(Operation::id).forEach(names::add);
        return names;
    }

    /** The policy for an authenticated request doing {@code operation} (null when unclassified), or null. */
    RatePolicy forOperation(String operation) {
        RatePolicy own = operation == null ? null : byOperation.get(operation);
        return own != null ? own : fallback;
    }

    /** The per-address policy for requests that fail authentication, or null. */
    RatePolicy unauthenticated() {
        return unauthenticated;
    }

    /** The longest time any bucket takes to fill up. */
    Duration longestFill() {
        Duration longest = Duration.ofSeconds(1);
        for (RatePolicy policy : all()) {
            if (policy.timeToFill().compareTo(longest) > 0) {
                longest = policy.timeToFill();
            }
        }
        return longest;
    }

    Iterable<RatePolicy> all() {
        java.util.List<RatePolicy> all = new java.util.ArrayList<>(byOperation.values());
        if (fallback != null) {
            all.add(fallback);
        }
        if (unauthenticated != null) {
            all.add(unauthenticated);
        }
        return all;
    }
}
