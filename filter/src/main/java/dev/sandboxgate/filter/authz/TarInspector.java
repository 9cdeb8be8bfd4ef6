package dev.sandboxgate.filter.authz;

import dev.sandboxgate.filter.ProblemType;
import dev.sandboxgate.filter.Refusal;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an {@code upload-batch} tar archive as it streams past, block by block, holding at most one header and one
 * entry's metadata (a PAX header or a GNU long name, each capped): the archive itself is never buffered.
 *
 * <p>Why our own reader and not a general one (Apache Commons Compress): what matters is that the gateway reads the
 * archive exactly as the sandbox will, and the sandbox unpacks with Rust's {@code tar} crate, which differs from other
 * readers in details an attacker can use (an old-style header's {@code L} entry is a file, a PAX global header is
 * ignored, PAX records are found by splitting on newlines, one zero block ends the archive). So this reader accepts
 * only the subset on which every reader agrees and refuses the rest:
 * <ul>
 *   <li>every header is POSIX ustar or GNU with a correct (unsigned) checksum and octal numbers: an uncompressed tar,
 *       which is all the sandbox unpacks (a gzip stream fails here);
 *   <li>entry types: regular files and directories; symbolic and hard links only with {@code archive-links=inside-root}
 *       and a target inside the workspace's root; devices, FIFOs, sparse files, PAX global headers and vendor types
 *       never; directories and links carry no data;
 *   <li>names from a GNU long name ({@code L}/{@code K}) or a PAX {@code path}/{@code linkpath} record, never both for
 *       one entry, at most one of each per entry; PAX records well-formed, without newlines in values, without a key
 *       twice, and without {@code size} or {@code GNU.sparse.*} (which would change how the data is framed);
 *   <li>names: UTF-8, relative, no {@code ..} segment, no NUL, control character or backslash, not through a link the
 *       archive itself created, at most 4,096 bytes (255 per segment);
 *   <li>after the first zero block (the end for the sandbox), only zeros;
 *   <li>at most {@code archive-max-entries} entries and {@code archive-max-size} bytes of file data.
 * </ul>
 */
final class TarInspector implements RequestBodyInspector {
    private static final int BLOCK = 512;
    private static final int MAX_NAME = 4096;
    private static final int MAX_SEGMENT = 255;
    private static final int MAX_PAX = 64 * 1024;

    /**
     * The limits an archive must respect.
     *
     * @param maxEntries entries (files, directories, links), not counting PAX headers and GNU long names
     * @param maxSize    bytes of file data, i.e. what the sandbox writes
     * @param allowLinks whether symbolic and hard links are accepted (their targets inside the root)
     */
    record Limits(int maxEntries, long maxSize, boolean allowLinks) {
    }

    private enum State { HEADER, METADATA, SKIP, END, REFUSED }

    private final String root;
    private final String base;
    private final Limits limits;

    private State state = State.HEADER;
    private Refusal refusal;
    private final byte[] header = new byte[BLOCK];
    private int headerFill;
    private long toSkip;
    private long toCollect;
    private byte metadataType;
    private ByteArrayOutputStream metadata;
    private Map<String, byte[]> pax;
    private byte[] longName;
    private byte[] longLink;
    private int entries;
    private long fileBytes;
    /** Archive-relative names of the symbolic links the archive creates: nothing may be written through them. */
    private final Set<String> links = new HashSet<>();

    /**
     * @param root the workspace's root, normalised
     * @param base the directory the sandbox unpacks into (the {@code path} parameter), normalised, inside the root
     */
    TarInspector(String root, String base, Limits limits) {
        this.root = root;
        this.base = base;
        this.limits = limits;
    }

    @Override
    public Refusal inspect(ByteBuffer chunk) {
        ByteBuffer in = chunk.duplicate();
        while (in.hasRemaining() && state != State.REFUSED) {
            switch (state) {
                case HEADER -> {
                    int n = Math.min(in.remaining(), BLOCK - headerFill);
                    in.get(header, headerFill, n);
                    headerFill += n;
                    if (headerFill == BLOCK) {
                        headerFill = 0;
                        onHeader();
                    }
                }
                case METADATA -> {
                    int n = (int) Math.min(in.remaining(), toCollect);
                    byte[] bytes = new byte[n];
                    in.get(bytes);
                    metadata.write(bytes, 0, n);
                    toCollect -= n;
                    if (toCollect == 0) {
                        state = toSkip > 0 ? State.SKIP : State.HEADER;
                        onMetadata();
                    }
                }
                case SKIP -> {
                    int n = (int) Math.min(in.remaining(), toSkip);
                    in.position(in.position() + n);
                    toSkip -= n;
                    if (toSkip == 0) {
                        state = State.HEADER;
                    }
                }
                case END -> {
                    if (in.get() != 0) {
                        refuse("holds data after its end (the sandbox stops at the first zero block)");
                    }
                }
                default -> throw new IllegalStateException(state.name());
            }
        }
        return refusal;
    }

    @Override
    public Refusal finish() {
        if (state == State.REFUSED) {
            return refusal;
        }
        boolean atBoundary = state == State.END || (state == State.HEADER && headerFill == 0);
        if (!atBoundary) {
            return refuse("ends in the middle of an entry");
        }
        if (pax != null || longName != null || longLink != null) {
            return refuse("ends with metadata for an entry that never comes");
        }
        return null;
    }

    // ---- headers ----

    private void onHeader() {
        if (allZero(header)) {
            if (pax != null || longName != null || longLink != null) {
                refuse("ends with metadata for an entry that never comes");
                return;
            }
            state = State.END;
            return;
        }
        long checksum = octal(148, 8);
        if (checksum < 0 || checksum != unsignedSum()) {
            refuse("is not an uncompressed tar archive, or is damaged (a header checksum does not match)");
            return;
        }
        boolean ustar = matches(257, "ustar\0") && matches(263, "00");
        boolean gnu = matches(257, "ustar ") && matches(263, " \0");
        if (!ustar && !gnu) {
            refuse("has a header in the old pre-POSIX format; write POSIX (ustar, pax) or GNU tar");
            return;
        }
        long size = octal(124, 12);
        if (size < 0) {
            refuse("has a header whose size is not an octal number");
            return;
        }
        byte type = header[156];
        switch (type) {
            case 'x' -> {
                if (pax != null) {
                    refuse("has two PAX headers for one entry");
                } else if (size > MAX_PAX) {
                    refuse("has a PAX header larger than " + MAX_PAX + " bytes");
                } else {
                    collect(type, size);
                }
            }
            case 'L', 'K' -> {
                if ((type == 'L' ? longName : longLink) != null) {
                    refuse("has two GNU long names for one entry");
                } else if (size > MAX_NAME + 1) {
                    refuse("has a name longer than " + MAX_NAME + " bytes");
                } else {
                    collect(type, size);
                }
            }
            default -> onEntry(type, size, ustar);
        }
    }

    private void collect(byte type, long size) {
        metadataType = type;
        metadata = new ByteArrayOutputStream((int) size);
        toCollect = size;
        toSkip = padding(size);
        state = size == 0 ? State.HEADER : State.METADATA;
        if (size == 0) {
            onMetadata();
        }
    }

    private void onMetadata() {
        byte[] data = metadata.toByteArray();
        metadata = null;
        if (metadataType == 'x') {
            pax = paxRecords(data);
            if (pax == null) {
                return; // refused
            }
            if (pax.containsKey("size") || pax.keySet().stream().anyMatch(key -> key.startsWith("GNU.sparse."))) {
                refuse("has a PAX 'size' or sparse-file record, which readers frame differently");
            }
        } else {
            // GNU tar writes the name and one NUL; the sandbox's reader drops exactly one trailing NUL.
            int length = data.length > 0 && data[data.length - 1] == 0 ? data.length - 1 : data.length;
            byte[] name = java.util.Arrays.copyOf(data, length);
            if (metadataType == 'L') {
                longName = name;
            } else {
                longLink = name;
            }
        }
    }

    /** The records of a PAX header, or null (and refused) unless every reader reads them alike. */
    private Map<String, byte[]> paxRecords(byte[] data) {
        Map<String, byte[]> records = new HashMap<>();
        int at = 0;
        while (at < data.length) {
            int space = at;
            while (space < data.length && data[space] >= '0' && data[space] <= '9' && space - at < 6) {
                space++;
            }
            if (space == at || space >= data.length || data[space] != ' ' || data[at] == '0') {
                refuse("has a malformed PAX record");
                return null;
            }
            int length = Integer.parseInt(new String(data, at, space - at, StandardCharsets.US_ASCII));
            int end = at + length;
            if (end > data.length || end <= space + 1 || data[end - 1] != '\n') {
                refuse("has a malformed PAX record");
                return null;
            }
            int equals = -1;
            for (int i = space + 1; i < end - 1; i++) {
                if (data[i] == '\n') {
                    refuse("has a PAX record with a newline in its value");
                    return null;
                }
                if (data[i] == '=' && equals < 0) {
                    equals = i;
                }
            }
            if (equals <= space + 1) {
                refuse("has a malformed PAX record");
                return null;
            }
            String key = utf8(java.util.Arrays.copyOfRange(data, space + 1, equals));
            if (key == null || records.put(key, java.util.Arrays.copyOfRange(data, equals + 1, end - 1)) != null) {
                refuse("has a PAX header that names a key twice or is not UTF-8");
                return null;
            }
            at = end;
        }
        return records;
    }

    // ---- entries ----

    private void onEntry(byte type, long size, boolean ustar) {
        Map<String, byte[]> entryPax = pax == null ? Map.of() : pax;
        byte[] gnuName = longName;
        byte[] gnuLink = longLink;
        pax = null;
        longName = null;
        longLink = null;
        if (++entries > limits.maxEntries()) {
            refuse("has more than " + limits.maxEntries() + " entries (archive-max-entries)",
                    ProblemType.PAYLOAD_TOO_LARGE);
            return;
        }
        if (gnuName != null && entryPax.containsKey("path") || gnuLink != null && entryPax.containsKey("linkpath")) {
            refuse("names an entry both by a GNU long name and by a PAX record");
            return;
        }
        byte[] nameBytes = gnuName != null ? gnuName : entryPax.getOrDefault("path", headerName(ustar));
        String name = entryName(nameBytes);
        if (name == null) {
            return; // refused
        }
        boolean link = type == '1' || type == '2';
        boolean linkNamed = gnuLink != null || entryPax.containsKey("linkpath");
        if (linkNamed && !link) {
            refuse("gives a link target to an entry that is not a link");
            return;
        }
        switch (type) {
            case '0', 0 -> {
                fileBytes += size;
                if (fileBytes > limits.maxSize()) {
                    refuse("holds more than " + limits.maxSize() + " bytes of files (archive-max-size)",
                            ProblemType.PAYLOAD_TOO_LARGE);
                    return;
                }
            }
            case '5' -> {
                // a directory
            }
            case '1', '2' -> {
                byte[] target = gnuLink != null ? gnuLink : entryPax.getOrDefault("linkpath", field(157, 100));
                if (!link(type == '2', name, target)) {
                    return; // refused
                }
            }
            case '3', '4' -> {
                refuse("holds a device entry", ProblemType.ARCHIVE_ENTRY_FORBIDDEN);
                return;
            }
            case '6' -> {
                refuse("holds a FIFO entry", ProblemType.ARCHIVE_ENTRY_FORBIDDEN);
                return;
            }
            case 'g' -> {
                refuse("holds a PAX global header, which readers apply differently");
                return;
            }
            default -> {
                refuse("holds an entry of a type the gateway does not accept ('" + printable(type) + "')");
                return;
            }
        }
        if (type != '0' && type != 0 && size != 0) {
            refuse("gives data to an entry that is not a file, which readers frame differently");
            return;
        }
        toSkip = size + padding(size);
        state = toSkip == 0 ? State.HEADER : State.SKIP;
    }

    /**
     * The entry's name relative to the target directory, normalised as the sandbox does (empty and {@code .}
     * segments dropped), or null (and refused). An empty result is an entry the sandbox skips.
     */
    private String entryName(byte[] bytes) {
        String name = utf8(bytes);
        if (name == null || name.isEmpty()) {
            refuse("has an entry whose name is empty or not UTF-8");
            return null;
        }
        if (bytes.length > MAX_NAME) {
            refuse("has a name longer than " + MAX_NAME + " bytes");
            return null;
        }
        if (name.startsWith("/")) {
            refuse("has an entry with an absolute name", ProblemType.ARCHIVE_ENTRY_FORBIDDEN);
            return null;
        }
        List<String> segments = segments(name, false);
        if (segments == null) {
            return null; // refused
        }
        String normal = String.join("/", segments);
        String prefix = "";
        for (int i = 0; i + 1 < segments.size(); i++) {
            prefix = prefix.isEmpty() ? segments.get(i) : prefix + "/" + segments.get(i);
            if (links.contains(prefix)) {
                refuse("writes through a link it created itself", ProblemType.ARCHIVE_ENTRY_FORBIDDEN);
                return null;
            }
        }
        if (!inside(normal.isEmpty() ? base : join(base, normal))) {
            refuse("has an entry outside the workspace's root", ProblemType.ARCHIVE_ENTRY_FORBIDDEN);
            return null;
        }
        return normal;
    }

    /**
     * The segments of a name or link target without empty and {@code .} ones; {@code ..} only as leading segments
     * when {@code leadingParents}, else refused (null).
     */
    private List<String> segments(String path, boolean leadingParents) {
        if (path.indexOf('\\') >= 0 || dev.sandboxgate.filter.path.PercentDecoding.holdsControl(path)) {
            refuse("has a name or link target with a NUL, a control character or a backslash");
            return null;
        }
        List<String> segments = new ArrayList<>();
        boolean parentsAllowed = leadingParents;
        for (String segment : path.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                if (!parentsAllowed) {
                    refuse("has a name or link target with a '..' segment", ProblemType.ARCHIVE_ENTRY_FORBIDDEN);
                    return null;
                }
            } else {
                parentsAllowed = false;
                if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT) {
                    refuse("has a name segment longer than " + MAX_SEGMENT + " bytes");
                    return null;
                }
            }
            segments.add(segment);
        }
        return segments;
    }

    /** Checks a link entry; false when refused. */
    private boolean link(boolean symbolic, String name, byte[] targetBytes) {
        String kind = symbolic ? "a symbolic link" : "a hard link";
        if (!limits.allowLinks()) {
            refuse("holds " + kind + " (archive-links=refuse)", ProblemType.ARCHIVE_ENTRY_FORBIDDEN);
            return false;
        }
        String target = utf8(targetBytes);
        if (target == null || target.isEmpty() || targetBytes.length > MAX_NAME) {
            refuse("holds " + kind + " without a valid target");
            return false;
        }
        String resolved;
        if (target.startsWith("/")) {
            List<String> segments = segments(target, false);
            if (segments == null) {
                return false;
            }
            resolved = "/" + String.join("/", segments);
        } else if (!symbolic) {
            // The sandbox's reader resolves a relative hard-link target against its own working directory.
            refuse("holds a hard link with a relative target", ProblemType.ARCHIVE_ENTRY_FORBIDDEN);
            return false;
        } else {
            List<String> segments = segments(target, true);
            if (segments == null) {
                return false;
            }
            String at = join(base, name);
            at = at.substring(0, at.lastIndexOf('/'));
            for (String segment : segments) {
                if (segment.equals("..")) {
                    if (at.isEmpty() || at.equals("/")) {
                        refuse("holds a symbolic link that points outside the workspace's root",
                                ProblemType.ARCHIVE_ENTRY_FORBIDDEN);
                        return false;
                    }
                    at = at.substring(0, at.lastIndexOf('/'));
                } else {
                    at = at + "/" + segment;
                }
            }
            resolved = at.isEmpty() ? "/" : at;
        }
        if (!inside(resolved)) {
            refuse("holds " + kind + " that points outside the workspace's root", ProblemType.ARCHIVE_ENTRY_FORBIDDEN);
            return false;
        }
        if (resolved.startsWith(base + "/")) {
            String relative = resolved.substring(base.length() + 1);
            for (String link : links) {
                if (relative.equals(link) || relative.startsWith(link + "/")) {
                    refuse("holds " + kind + " through a link it created itself", ProblemType.ARCHIVE_ENTRY_FORBIDDEN);
                    return false;
                }
            }
        }
        if (symbolic && !name.isEmpty()) {
            links.add(name);
        }
        return true;
    }

    // ---- helpers ----

    private boolean inside(String path) {
        return root.equals("/") || path.equals(root) || path.startsWith(root + "/");
    }

    private static String join(String directory, String relative) {
        return directory.equals("/") ? "/" + relative : directory + "/" + relative;
    }

    /** The header's name: for ustar, {@code prefix/name}; for GNU the prefix area holds other fields. */
    private byte[] headerName(boolean ustar) {
        byte[] name = field(0, 100);
        byte[] prefix = ustar ? field(345, 155) : new byte[0];
        if (prefix.length == 0) {
            return name;
        }
        byte[] joined = java.util.Arrays.copyOf(prefix, prefix.length + 1 + name.length);
        joined[prefix.length] = '/';
        System.arraycopy(name, 0, joined, prefix.length + 1, name.length);
        return joined;
    }

    /** A header field up to its first NUL. */
    private byte[] field(int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return java.util.Arrays.copyOfRange(header, offset, end);
    }

    /**
     * An octal number field read as the sandbox's reader does (up to the first NUL, surrounding white space
     * trimmed), or -1 if that reading is not plain octal digits. The base-256 form is refused: no size it can
     * express passes the limits.
     */
    private long octal(int offset, int length) {
        String text = trimAsciiSpace(new String(field(offset, length), StandardCharsets.ISO_8859_1));
        if (text.isEmpty() || text.length() > 12) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '7') {
                return -1;
            }
            value = value * 8 + (c - '0');
        }
        return value;
    }

    /** Rust's {@code str::trim} on ASCII: space, tab, LF, VT, FF, CR (Java's {@code strip} trims more). */
    private static String trimAsciiSpace(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isAsciiSpace(s.charAt(start))) {
            start++;
        }
        while (end > start && isAsciiSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean isAsciiSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    private long unsignedSum() {
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : header[i] & 0xff;
        }
        return sum;
    }

    private boolean matches(int offset, String expected) {
        for (int i = 0; i < expected.length(); i++) {
            if (header[offset + i] != (byte) expected.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean allZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static long padding(long size) {
        return (BLOCK - size % BLOCK) % BLOCK;
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static String printable(byte type) {
        return type >= 0x21 && type < 0x7f ? String.valueOf((char) type) : String.format("0x%02x", type & 0xff);
    }

    private Refusal refuse(String why) {
        return refuse(why, ProblemType.ARCHIVE_INVALID);
    }

    private Refusal refuse(String why, ProblemType type) {
        if (refusal == null) {
            refusal = Refusal.of(type, "The archive " + why + "; nothing was unpacked.");
        }
        state = State.REFUSED;
        return refusal;
    }
}
