package org.karavel.delivery.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The X-Karavel-Pool header field, by which the submitting application names the pool its mail leaves
 * from. Delivery reads it to choose the pool and removes it from every copy it sends (SMTP, LMTP,
 * Maildir, and the content DKIM signs), so no receiver sees it.
 */
final class PoolHeader {
    static final String NAME = "X-Karavel-Pool";
    /** Header sections longer than this are passed on as they are (no field is looked for beyond it). */
    private static final int MAX_HEADER = 256 * 1024;

    private PoolHeader() {}

    /** The field's value in the header section, or null when it has none. */
    static String read(InputStream content) throws IOException {
        byte[] header = headerSection(content);
        String value = null;
        String[] lines = new String(header, StandardCharsets.ISO_8859_1).split("\r?\n");
        for (int i = 0; i < lines.length; i++) {
            if (isOurs(lines[i])) {
                StringBuilder v = new StringBuilder(lines[i].substring(NAME.length() + 1));
                while (i + 1 < lines.length && isContinuation(lines[i + 1])) {
                    v.append(lines[++i]);
                }
                value = v.toString().strip();
            }
        }
        return value;
    }

    /** The content without the field (and its continuation lines); the body streams through untouched. */
    static InputStream strip(InputStream content) throws IOException {
        byte[] header = headerSection(content);
        ByteArrayOutputStream kept = new ByteArrayOutputStream(header.length);
        boolean dropping = false;
        int start = 0;
        for (int i = 0; i <= header.length; i++) {
            if (i == header.length || header[i] == '\n') {
                int end = Math.min(header.length, i + 1);
                String line = new String(header, start, end - start, StandardCharsets.ISO_8859_1);
                dropping = isOurs(line) || dropping && isContinuation(line) && !line.isBlank();
                if (!dropping) {
                    kept.write(header, start, end - start);
                }
                start = end;
            }
        }
        return new SequenceInputStream(new ByteArrayInputStream(kept.toByteArray()), content);
    }

    private static boolean isOurs(String line) {
        return line.length() > NAME.length()
                && line.charAt(NAME.length()) == ':'
                && line.substring(0, NAME.length()).toLowerCase(Locale.ROOT).equals(NAME.toLowerCase(Locale.ROOT));
    }

    private static boolean isContinuation(String line) {
        return !line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t');
    }

    /** Reads up to and including the empty line that ends the header section (or MAX_HEADER bytes). */
    private static byte[] headerSection(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        int prev = -1;
        int lineLength = 0;
        int c;
        while (out.size() < MAX_HEADER && (c = in.read()) != -1) {
            out.write(c);
            if (c == '\n') {
                if (lineLength == 0 || lineLength == 1 && prev == '\r') {
                    break;
                }
                lineLength = 0;
            } else {
                lineLength++;
            }
            prev = c;
        }
        return out.toByteArray();
    }
}
