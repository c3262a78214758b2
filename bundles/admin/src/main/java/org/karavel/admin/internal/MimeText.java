package org.karavel.admin.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.codec.net.QuotedPrintableCodec;

/**
 * A text part of an injected message: ASCII with short lines goes as it is (7bit); anything else
 * as quoted-printable UTF-8, so that a message is 7-bit clean and no line passes 998 octets
 * whatever the template (HTML often has long lines) or the substitutions hold.
 */
final class MimeText {
    private MimeText() {}

    /** Appends Content-Type, Content-Transfer-Encoding, the empty line and the body (ending in CRLF). */
    static void part(StringBuilder out, String type, String text) {
        List<String> lines = lines(text);
        boolean plain = true;
        for (int i = 0; i < lines.size() && plain; i++) {
            plain = sevenBit(lines.get(i));
        }
        out.append("Content-Type: ")
                .append(type)
                .append("; charset=")
                .append(plain ? "us-ascii" : "utf-8")
                .append("\r\nContent-Transfer-Encoding: ")
                .append(plain ? "7bit" : "quoted-printable")
                .append("\r\n\r\n");
        for (String line : lines) {
            // each line on its own: the line ends stay real line ends, never =0D=0A
            out.append(plain ? line : quotedPrintable(line)).append("\r\n");
        }
    }

    /**
     * The lines of a text, split at CRLF, bare CR and bare LF alike; a final line end ends the last
     * line rather than starting an empty one. (A hand-written loop: the regular expression it
     * replaces was a third of the injection's CPU time.)
     */
    static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c == '\r' || c == '\n') {
                out.add(text.substring(start, i));
                if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        if (start < n) {
            out.add(text.substring(start));
        }
        return out;
    }

    /** Every line end as CRLF, ending with one unless empty. */
    static String crlf(String text) {
        List<String> lines = lines(text);
        StringBuilder sb = new StringBuilder(text.length() + lines.size() + 2);
        for (String line : lines) {
            sb.append(line).append("\r\n");
        }
        return sb.toString();
    }

    private static boolean sevenBit(String line) {
        if (line.length() > MessageTemplate.MAX_LINE) {
            return false;
        }
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c >= 128 || c == 0) {
                return false;
            }
        }
        return true;
    }

    /** Strict: soft line breaks at 76 characters, trailing white space encoded (RFC 2045 6.7). */
    private static String quotedPrintable(String line) {
        byte[] qp = QuotedPrintableCodec.encodeQuotedPrintable(null, line.getBytes(StandardCharsets.UTF_8), true);
        return new String(qp, StandardCharsets.US_ASCII);
    }
}
