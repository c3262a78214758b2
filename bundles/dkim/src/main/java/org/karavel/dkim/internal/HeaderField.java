package org.karavel.dkim.internal;

import java.util.Locale;

/**
 * One header field as received: its name and its raw text ({@code Name:value} with any folding,
 * without the final CRLF). Characters stand for octets (ISO-8859-1), so hashing sees the octets sent.
 */
public record HeaderField(String name, String raw) {
    /** Builds a field from its raw text, which must hold a colon. */
    public static HeaderField of(String raw) {
        int colon = raw.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("not a header field: " + raw);
        }
        return new HeaderField(raw.substring(0, colon).strip(), raw);
    }

    /** The value after the colon, unfolded (CRLF removed), not trimmed. */
    public String value() {
        return raw.substring(raw.indexOf(':') + 1).replace("\r\n", "");
    }

    public boolean is(String fieldName) {
        return name.equalsIgnoreCase(fieldName);
    }

    public String lowerName() {
        return name.toLowerCase(Locale.ROOT);
    }
}
