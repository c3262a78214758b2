package org.karavel.dkim.internal;

import java.util.Locale;

/**
 * The DKIM canonicalization algorithms (RFC 6376 §3.4), for a header field or a body. The signer
 * (a later issue) uses the same code, so both sides agree byte for byte.
 */
public enum Canonicalization {
    SIMPLE,
    RELAXED;

    /** Parses {@code simple} or {@code relaxed} (case-insensitive). */
    public static Canonicalization parse(String name) {
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "simple" -> SIMPLE;
            case "relaxed" -> RELAXED;
            default -> throw new IllegalArgumentException("unknown canonicalization: " + name);
        };
    }

    /**
     * One header field canonicalized, with its CRLF.
     *
     * @param rawField the field exactly as received, {@code Name:value} with any folding, without the final CRLF;
     *     characters stand for octets (ISO-8859-1), so the result converts back to the same octets
     */
    public String header(String rawField) {
        if (this == SIMPLE) {
            return rawField + "\r\n";
        }
        int colon = rawField.indexOf(':');
        String name = rawField.substring(0, colon).strip().toLowerCase(Locale.ROOT);
        String value = rawField.substring(colon + 1).replace("\r\n", "");
        StringBuilder v = new StringBuilder(value.length());
        boolean space = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                space = true;
            } else {
                if (space && v.length() > 0) {
                    v.append(' ');
                }
                space = false;
                v.append(c);
            }
        }
        return name + ":" + v + "\r\n";
    }

    /** A streaming canonicalizer of a body for this algorithm, writing to {@code out}. */
    public BodyCanonicalizer body(BodyCanonicalizer.Sink out) {
        return new BodyCanonicalizer(this == RELAXED, out);
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
