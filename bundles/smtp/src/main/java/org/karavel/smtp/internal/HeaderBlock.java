package org.karavel.smtp.internal;

import java.io.ByteArrayOutputStream;
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
        int n = Math.min(i - offset, MAX - text.size());
        text.write(b, offset, n);
        if (text.size() >= MAX) {
            done = true;
        }
    }

    /** The header fields kept, unfolded, in order; lines that are not a field are skipped. */
    List<Verdict.Header> headers() {
        String all = new String(text.toByteArray(), StandardCharsets.UTF_8);
        List<String> fields = new ArrayList<>();
        for (String line : all.split("\r\n", -1)) {
            if (line.isEmpty()) {
                break;
            }
            if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && !fields.isEmpty()) {
                int last = fields.size() - 1;
                fields.set(last, fields.get(last) + line);
            } else {
                fields.add(line);
            }
        }
        List<Verdict.Header> result = new ArrayList<>(fields.size());
        for (String field : fields) {
            int colon = field.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            try {
                result.add(new Verdict.Header(field.substring(0, colon).strip(), field.substring(colon + 1).strip()));
            } catch (IllegalArgumentException e) {
                // not a valid field name (e.g. spaces or control characters): not a header field
            }
        }
        return List.copyOf(result);
    }
}
