package dev.sandboxgate.filter.ratelimit;

import dev.sandboxgate.filter.GateExchange;
import dev.sandboxgate.filter.GateListener;
import dev.sandboxgate.filter.Refusal;
import dev.sandboxgate.filter.Stage;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Brute-force protection per client address ({@code unauthenticated} policy). Every request that fails
 * authentication (any 401) takes a token from its address's bucket, seen as a {@link GateListener} of the decision;
 * as a {@link Stage} placed before authentication, it refuses every request from an address whose bucket is empty,
 * so that credential guessing stops costing the gateway (and the identity provider) anything. Requests that
 * authenticate take nothing: callers behind one NAT are not limited together for succeeding. Concurrent failures can
 * overdraw a bucket by at most the requests in flight between the check and the charge. An IPv6 caller is counted by
 * its /64 network: one host is usually given a whole /64, and could otherwise take a fresh address per attempt.
 */
final class UnauthenticatedLimit implements Stage, GateListener {
    private static final Pattern IPV6_TEXT = Pattern.compile("\\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*]?");

    private final RatePolicy policy;
    private final BucketStore store;

    UnauthenticatedLimit(RatePolicy policy, BucketStore store) {
        this.policy = policy;
        this.store = store;
    }

    @Override
    public Refusal apply(GateExchange exchange) {
        return store.peek(key(exchange)).refusal();
    }

    @Override
    public Refusal decided(GateExchange exchange, Refusal refusal) {
        if (refusal != null && refusal.type().status() == 401) {
            store.consume(key(exchange));
        }
        return null;
    }

    private BucketKey key(GateExchange exchange) {
        return new BucketKey(policy, network(exchange.clientIp()), null);
    }

    /** An IPv4 address as it is; an IPv6 address as its /64 network. */
    static String network(String address) {
        if (address == null) {
            return "unknown";
        }
        if (address.indexOf(':') < 0 || !IPV6_TEXT.matcher(address).matches()) {
            return address;
        }
        String literal = address.startsWith("[") ? address.substring(1, address.length() - 1) : address;
        try {
            // With a ':' in it, the JDK parses the text as an IPv6 literal and never looks it up.
            byte[] bytes = InetAddress.getByName(literal).getAddress();
            return bytes.length == 16 ? HexFormat.of().formatHex(bytes, 0, 8) + "::/64"
                    : InetAddress.getByAddress(bytes).getHostAddress();
        } catch (UnknownHostException e) {
            return address;
        }
    }
}
