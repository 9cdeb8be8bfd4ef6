package dev.sandboxgate.filter;

import jakarta.servlet.http.HttpServletRequest;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Who the caller is on the network, for rate limits, audit and metrics ({@link GateExchange#clientIp()}). The socket's
 * peer, unless that peer is one of the {@code trusted-proxies} (CIDR blocks or addresses, comma-separated): then
 * {@code X-Forwarded-For} is read from right to left, as Tomcat's {@code RemoteIpFilter} does, skipping trusted
 * proxies; the first address that is not one is the client (all trusted: the leftmost). Anything left of it was
 * written by the client and is never believed. An entry that is not an IP address literal ends the walk at the last
 * proxy that vouched for it. Nothing is resolved through DNS.
 */
final class ClientAddress {
    static final String TRUSTED_PROXIES_PARAM = "trusted-proxies";
    private static final String FORWARDED_FOR = "X-Forwarded-For";
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)"
            + "(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV4_WITH_PORT = Pattern.compile("[\\d.]+:\\d{1,5}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private final List<Block> trusted;

    private ClientAddress(List<Block> trusted) {
        this.trusted = trusted;
    }

    static ClientAddress from(Settings settings) {
        List<Block> blocks = new ArrayList<>();
        for (String item : settings.list(TRUSTED_PROXIES_PARAM)) {
            blocks.add(Block.parse(item).orElseThrow(() -> settings.invalid(TRUSTED_PROXIES_PARAM, item,
                    "an IP address or CIDR block such as 10.0.0.0/8, 192.0.2.7 or fd00::/8")));
        }
        return new ClientAddress(List.copyOf(blocks));
    }

    /** The caller's address for {@code request}. */
    String resolve(HttpServletRequest request) {
        String peer = request.getRemoteAddr();
        if (trusted.isEmpty()) {
            return peer;
        }
        InetAddress hop = literal(peer);
        if (hop == null || !isTrusted(hop)) {
            return peer;
        }
        List<String> chain = forwardedFor(request);
        String client = hop.getHostAddress();
        for (int i = chain.size() - 1; i >= 0; i--) {
            InetAddress address = literal(chain.get(i));
            if (address == null) {
                return client;
            }
            client = address.getHostAddress();
            if (!isTrusted(address)) {
                return client;
            }
        }
        return client;
    }

    private boolean isTrusted(InetAddress address) {
        for (Block block : trusted) {
            if (block.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** Every {@code X-Forwarded-For} entry, in order, over all the header's lines. */
    private static List<String> forwardedFor(HttpServletRequest request) {
        List<String> entries = new ArrayList<>();
        for (String line : Collections.list(request.getHeaders(FORWARDED_FOR))) {
            for (String entry : line.split(",")) {
                entries.add(entry.trim());
            }
        }
        return entries;
    }

    /**
     * The address an IP literal names ({@code 192.0.2.1}, {@code 192.0.2.1:443}, {@code 2001:db8::1},
     * {@code [2001:db8::1]:443}), or null for anything else, without ever asking DNS.
     */
    static InetAddress literal(String text) {
        String s = text == null ? "" : text.trim();
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            if (end < 0) {
                return null;
            }
            s = s.substring(1, end);
        } else if (IPV4_WITH_PORT.matcher(s).matches()) {
            s = s.substring(0, s.indexOf(':'));
        }
        try {
            if (IPV4.matcher(s).matches()) {
                String[] parts = s.split("\\.");
                byte[] bytes = new byte[4];
                for (int i = 0; i < 4; i++) {
                    bytes[i] = (byte) Integer.parseInt(parts[i]);
                }
                return InetAddress.getByAddress(bytes);
            }
            if (IPV6.matcher(s).matches()) {
                // With a ':' in it, the JDK parses the text as an IPv6 literal and never looks it up.
                return InetAddress.getByName(s);
            }
        } catch (UnknownHostException notALiteral) {
            return null;
        }
        return null;
    }

    /** A CIDR block. */
    private record Block(byte[] network, int prefix) {

        static java.util.Optional<Block> parse(String text) {
            int slash = text.indexOf('/');
            InetAddress address = literal(slash < 0 ? text : text.substring(0, slash));
            if (address == null) {
                return java.util.Optional.empty();
            }
            int bits = address.getAddress().length * 8;
            int prefix = bits;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(text.substring(slash + 1).trim());
                } catch (NumberFormatException e) {
                    return java.util.Optional.empty();
                }
                if (prefix < 0 || prefix > bits) {
                    return java.util.Optional.empty();
                }
            }
            return java.util.Optional.of(new Block(address.getAddress(), prefix));
        }

        boolean contains(InetAddress address) {
            byte[] bytes = address.getAddress();
            if (bytes.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (bytes[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xFF << (8 - rest);
            return (bytes[full] & mask) == (network[full] & mask);
        }
    }
}
