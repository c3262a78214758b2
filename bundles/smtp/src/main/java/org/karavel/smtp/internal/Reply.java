package org.karavel.smtp.internal;

import java.nio.charset.StandardCharsets;

/**
 * One SMTP reply line. The text is cleaned, so that text from a filter can never inject a line
 * break (and with it a second reply) into the stream.
 *
 * @param code the three-digit reply code
 * @param enhanced the RFC 3463 enhanced status code, or null for replies that carry none (220, 354)
 * @param text human-readable text
 */
record Reply(int code, String enhanced, String text) {
    private static final int MAX_TEXT = 400;

    Reply {
        text = clean(text);
    }

    static Reply of(int code, String enhanced, String text) {
        return new Reply(code, enhanced, text);
    }

    boolean isPositive() {
        return code < 400;
    }

    byte[] bytes() {
        return (this + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public String toString() {
        return enhanced == null ? code + " " + text : code + " " + enhanced + " " + text;
    }

    /** Printable ASCII only: control characters (CR, LF above all) and non-ASCII become '?' or a space. */
    static String clean(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(Math.min(text.length(), MAX_TEXT));
        for (int i = 0; i < text.length() && sb.length() < MAX_TEXT; i++) {
            char c = text.charAt(i);
            if (c == '\t' || c == '\r' || c == '\n') {
                sb.append(' ');
            } else if (c < 0x20 || c > 0x7e) {
                sb.append('?');
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
