package org.karavel.admin.internal;

import java.nio.charset.StandardCharsets;
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
        String[] lines = text.split("\r\n|\r|\n", -1);
        int count = lines.length;
        // a final line end gives one empty string after it: not a line of its own
        if (count > 0 && lines[count - 1].isEmpty()) {
            count--;
        }
        boolean plain = true;
        for (int i = 0; i < count && plain; i++) {
            plain = lines[i].length() <= MessageTemplate.MAX_LINE
                    && lines[i].chars().allMatch(c -> c < 128 && c != 0);
        }
        out.append("Content-Type: ")
                .append(type)
                .append("; charset=")
                .append(plain ? "us-ascii" : "utf-8")
                .append("\r\nContent-Transfer-Encoding: ")
                .append(plain ? "7bit" : "quoted-printable")
                .append("\r\n\r\n");
        for (int i = 0; i < count; i++) {
            // each line on its own: the line ends stay real line ends, never =0D=0A
            out.append(plain ? lines[i] : quotedPrintable(lines[i])).append("\r\n");
        }
    }

    /** Strict: soft line breaks at 76 characters, trailing white space encoded (RFC 2045 6.7). */
    private static String quotedPrintable(String line) {
        byte[] qp = QuotedPrintableCodec.encodeQuotedPrintable(null, line.getBytes(StandardCharsets.UTF_8), true);
        return new String(qp, StandardCharsets.US_ASCII);
    }
}
