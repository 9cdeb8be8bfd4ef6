package dev.sandboxgate.filter.authz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Writes tar archives byte by byte for tests, including the ones no well-behaved tool writes: links out of the
 * target, devices, PAX and GNU long-name records that rename an entry, old-style headers, broken checksums.
 */
public final class TarBuilder {
    /** The header format: its magic and version fields. */
    public enum Format { USTAR, GNU, V7 }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private Format format = Format.USTAR;

    public TarBuilder format(Format format) {
        this.format = format;
        return this;
    }

    public TarBuilder file(String name, String content) {
        return entry('0', name, "", content.getBytes(StandardCharsets.UTF_8));
    }

    public TarBuilder directory(String name) {
        return entry('5', name, "", new byte[0]);
    }

    public TarBuilder symlink(String name, String target) {
        return entry('2', name, target, new byte[0]);
    }

    public TarBuilder hardLink(String name, String target) {
        return entry('1', name, target, new byte[0]);
    }

    /** A PAX extended header ({@code x}) with these records, for the entry that follows. */
    public TarBuilder pax(Map<String, String> records) {
        StringBuilder data = new StringBuilder();
        records.forEach((key, value) -> data.append(paxRecord(key, value)));
        return entry('x', "PaxHeaders/entry", "", data.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** One PAX record, {@code "LEN key=value\n"}, its length counting itself. */
    public static String paxRecord(String key, String value) {
        int body = key.getBytes(StandardCharsets.UTF_8).length + value.getBytes(StandardCharsets.UTF_8).length + 3;
        int length = body + String.valueOf(body).length();
        if (String.valueOf(length).length() != String.valueOf(body).length()) {
            length++;
        }
        return length + " " + key + "=" + value + "\n";
    }

    /** A GNU long name ({@code L}) or long link name ({@code K}) for the entry that follows. */
    public TarBuilder gnuLong(char type, String name) {
        return entry(type, "././@LongLink", "", (name + "\0").getBytes(StandardCharsets.UTF_8));
    }

    /** Any entry: a header of {@code type} with {@code name} and {@code linkName}, then {@code data}, padded. */
    public TarBuilder entry(char type, String name, String linkName, byte[] data) {
        byte[] header = header(type, name, linkName, data.length);
        out.writeBytes(header);
        out.writeBytes(data);
        out.writeBytes(new byte[(512 - data.length % 512) % 512]);
        return this;
    }

    /** Raw bytes, for what no header describes. */
    public TarBuilder raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    /** The archive with its end (two zero blocks). */
    public byte[] build() {
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        whole.writeBytes(out.toByteArray());
        whole.writeBytes(new byte[1024]);
        return whole.toByteArray();
    }

    /** The archive as written so far, without its end. */
    public byte[] buildWithoutEnd() {
        return out.toByteArray();
    }

    private byte[] header(char type, String name, String linkName, long size) {
        byte[] h = new byte[512];
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length > 100 && format == Format.USTAR) {
            int split = name.lastIndexOf('/', 155);
            put(h, 345, name.substring(0, split), 155);
            put(h, 0, name.substring(split + 1), 100);
        } else {
            put(h, 0, name, 100);
        }
        put(h, 100, "0000644", 8);
        put(h, 108, "0001750", 8);
        put(h, 116, "0001750", 8);
        put(h, 124, String.format("%011o", size), 12);
        put(h, 136, String.format("%011o", 1_700_000_000L), 12);
        h[156] = (byte) type;
        put(h, 157, linkName, 100);
        switch (format) {
            case USTAR -> {
                put(h, 257, "ustar", 6);
                put(h, 263, "00", 2);
            }
            case GNU -> put(h, 257, "ustar  ", 8);
            case V7 -> {
                // no magic
            }
        }
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, String.format("%06o", sum), 7);
        return h;
    }

    private static void put(byte[] header, int offset, String value, int length) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > length) {
            throw new IllegalArgumentException("'" + value + "' does not fit " + length + " bytes");
        }
        System.arraycopy(bytes, 0, header, offset, bytes.length);
    }
}
