package dev.sandboxgate.containers;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The TCP sockets a process listens on and the UDP sockets it holds (multicast discovery, for one), read from Linux's
 * {@code /proc}: each socket owned by the process's file descriptors, with its local address.
 */
final class ListeningSockets {
    private static final String TCP_LISTEN = "0A";

    private ListeningSockets() {
    }

    /** Local addresses, as {@code proto address:port}, of the listening or bound sockets of these processes. */
    static List<String> of(List<ProcessHandle> processes) throws IOException {
        Set<String> inodes = new HashSet<>();
        for (ProcessHandle process : processes) {
            inodes.addAll(socketInodes(process.pid()));
        }
        List<String> sockets = new ArrayList<>();
        for (String proto : List.of("tcp", "tcp6", "udp", "udp6")) {
            List<String> lines = Files.readAllLines(Paths.get("/proc/net", proto));
            for (String line : lines.subList(1, lines.size())) {
                String[] fields = line.trim().split("\\s+");
                boolean tcp = proto.startsWith("tcp");
                if (inodes.contains(fields[9]) && (!tcp || fields[3].equals(TCP_LISTEN))) {
                    sockets.add(proto + " " + address(fields[1]));
                }
            }
        }
        return sockets;
    }

    /** True for 127.0.0.0/8, ::1 and ::ffff:127.x.y.z. */
    static boolean isLoopback(String socket) {
        String address = socket.substring(socket.indexOf(' ') + 1, socket.lastIndexOf(':'));
        return address.startsWith("127.") || address.equals("::1") || address.startsWith("::ffff:127.");
    }

    private static Set<String> socketInodes(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Paths.get("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring("socket:[".length(), target.length() - 1));
                    }
                } catch (NoSuchFileException closedMeanwhile) {
                    // the descriptor was closed while we listed them
                }
            }
        } catch (NoSuchFileException exited) {
            // the process has exited: it holds nothing
        }
        return inodes;
    }

    /** {@code 0100007F:1F90} (IPv4, little-endian words) or a 32-hex-digit IPv6 address, to text. */
    private static String address(String hexAddressAndPort) {
        String[] parts = hexAddressAndPort.split(":");
        int port = Integer.parseInt(parts[1], 16);
        String hex = parts[0].toLowerCase(java.util.Locale.ROOT);
        if (hex.length() == 8) {
            return ipv4(hex) + ":" + port;
        }
        StringBuilder words = new StringBuilder();
        for (int word = 0; word < 4; word++) {
            words.append(littleEndianWord(hex.substring(word * 8, word * 8 + 8)));
        }
        String v6 = words.toString();
        if (v6.startsWith("00000000000000000000ffff")) {
            return "::ffff:" + ipv4Plain(v6.substring(24)) + ":" + port;
        }
        if (v6.equals("00000000000000000000000000000001")) {
            return "::1:" + port;
        }
        StringBuilder text = new StringBuilder();
        for (int group = 0; group < 8; group++) {
            text.append(group == 0 ? "" : ":").append(Integer.toHexString(
                    Integer.parseInt(v6.substring(group * 4, group * 4 + 4), 16)));
        }
        return text + ":" + port;
    }

    private static String ipv4(String littleEndianHex) {
        return ipv4Plain(littleEndianWord(littleEndianHex));
    }

    private static String ipv4Plain(String bigEndianHex) {
        StringBuilder text = new StringBuilder();
        for (int octet = 0; octet < 4; octet++) {
            text.append(octet == 0 ? "" : ".").append(Integer.parseInt(
                    bigEndianHex.substring(octet * 2, octet * 2 + 2), 16));
        }
        return text.toString();
    }

    private static String littleEndianWord(String hex) {
        return hex.substring(6, 8) + hex.substring(4, 6) + hex.substring(2, 4) + hex.substring(0, 2);
    }
}
