package org.karavel.smtp.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.karavel.api.filter.Verdict;

/**
 * The header section of a message, kept as it streams by (at most {@link #MAX} octets) so that
 * end-of-message filters can look at the headers without re-reading the message.
 */
final class HeaderBlock {
    static final int MAX = 64 * 1024;

    private final ByteArrayOutputStream text = new ByteArrayOutputStream(1024);
    /** How much of CRLF CRLF has been matched; content starts as if after a CRLF. */
    private int matched = 2;

    private boolean done;
    /** Whether the header section goes on past {@link #MAX}: filters would see only part of it. */
    private boolean overflowed;

    void accept(byte[] b, int offset, int length) {
        if (done) {
            return;
        }
        int end = offset + length;
        int i = offset;
        for (; i < end; i++) {
            byte c = b[i];
            if (c == '\r' && (matched == 0 || matched == 2)) {
                matched++;
            } else if (c == '\n' && (matched == 1 || matched == 3)) {
                matched++;
            } else {
                matched = c == '\r' ? 1 : 0;
            }
            if (matched == 4) {
                done = true;
                i++;
                break;
            }
        }
        boolean ended = done;
        int n = i - offset;
        if (n > MAX - text.size()) {
            n = MAX - text.size();
            ended = false; // the end lies beyond what is kept
        }
        text.write(b, offset, n);
        if (text.size() >= MAX) {
            done = true;
            overflowed = !ended && onlyFields(text.toByteArray());
        }
    }

    /**
     * Whether the header section is longer than {@link #MAX} octets. A line that is neither a field
     * nor a continuation ends the header section as the empty line does (as Postfix reads it), so
     * a long message without an empty line after its header is not refused for it.
     */
    boolean overflowed() {
        return overflowed;
    }

    /** Whether every complete line of {@code kept} is a header field or a continuation line. */
    private static boolean onlyFields(byte[] kept) {
        int lineStart = 0;
        for (int i = 0; i + 1 < kept.length; i++) {
            if (kept[i] == '\r' && kept[i + 1] == '\n') {
                if (!fieldLine(kept, lineStart, i)) {
                    return false;
                }
                lineStart = i + 2;
                i++;
            }
        }
        return true; // the last, incomplete line is not judged
    }

    private static boolean fieldLine(byte[] b, int start, int end) {
        if (start < end && (b[start] == ' ' || b[start] == '\t')) {
            return true;
        }
        int i = start;
        while (i < end && b[i] >= '!' && b[i] <= '~' && b[i] != ':') {
            i++;
        }
        int nameEnd = i;
        while (i < end && (b[i] == ' ' || b[i] == '\t')) {
            i++; // obs-optional: white space before the colon
        }
        return nameEnd > start && i < end && b[i] == ':';
    }

    /** The octets kept: the header section up to and including its empty line, or its first {@link #MAX}. */
    byte[] text() {
        return text.toByteArray();
    }

    /** The header fields kept, unfolded, in order; lines that are not a field are skipped. */
    List<Verdict.Header> headers() {
        List<Verdict.Header> result = new ArrayList<>();
        for (RawField field : split(text.toByteArray())) {
            if (field.header() != null) {
                result.add(field.header());
            }
        }
        return List.copyOf(result);
    }

    /**
     * The first {@link #MAX} octets of {@code in}, or up to and including the empty line that ends
     * the header section if that comes first: the same text a HeaderBlock keeps.
     */
    static byte[] readPrefix(InputStream in) throws IOException {
        HeaderBlock block = new HeaderBlock();
        byte[] one = new byte[1];
        while (!block.done) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            one[0] = (byte) c;
            block.accept(one, 0, 1);
        }
        return block.text.toByteArray();
    }

    /**
     * Splits kept header text into fields, each with its raw octets (continuation lines and CRLFs
     * included) so a field can be left out when the message is rewritten. Stops at the empty line.
     * A line that is not a valid field keeps its octets but has no header and no index.
     */
    static List<RawField> split(byte[] text) {
        List<int[]> ranges = new ArrayList<>();
        int lineStart = 0;
        while (lineStart < text.length) {
            int lineEnd = lineStart;
            while (lineEnd < text.length
                    && !(text[lineEnd] == '\r' && lineEnd + 1 < text.length && text[lineEnd + 1] == '\n')) {
                lineEnd++;
            }
            if (lineEnd == lineStart) {
                break; // the empty line: end of the header section
            }
            int next = Math.min(text.length, lineEnd + 2);
            byte first = text[lineStart];
            if ((first == ' ' || first == '\t') && !ranges.isEmpty()) {
                ranges.get(ranges.size() - 1)[1] = next;
            } else {
                ranges.add(new int[] {lineStart, next});
            }
            lineStart = next;
        }
        List<RawField> fields = new ArrayList<>(ranges.size());
        for (int[] r : ranges) {
            String field = new String(text, r[0], r[1] - r[0], StandardCharsets.UTF_8).replace("\r\n", "");
            Verdict.Header header = null;
            int colon = field.indexOf(':');
            if (colon > 0) {
                try {
                    header = new Verdict.Header(
                            field.substring(0, colon).strip(),
                            field.substring(colon + 1).strip());
                } catch (IllegalArgumentException e) {
                    // not a valid field name (e.g. spaces or control characters): not a header field
                }
            }
            fields.add(new RawField(r[0], r[1], header));
        }
        return fields;
    }

    /** One field's octets in the kept text, [start, end), and the field when it is one. */
    record RawField(int start, int end, Verdict.Header header) {}
}
