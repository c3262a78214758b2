package org.karavel.redis.internal;

import java.time.Instant;
import org.karavel.api.suppression.Suppression;

/**
 * A suppression entry as a Redis hash value: {@code 1<TAB>reason<TAB>category<TAB>created<TAB>expires<TAB>source},
 * times in epoch milliseconds, expires empty for never. No field can hold a tab: the reason is one
 * line without control characters, category and source are words.
 */
final class SuppressionCodec {
    private static final String FORMAT = "1";

    private SuppressionCodec() {}

    static String encode(Suppression s) {
        return String.join(
                "\t",
                FORMAT,
                s.reason(),
                s.category(),
                Long.toString(s.created().toEpochMilli()),
                s.expires() == null ? "" : Long.toString(s.expires().toEpochMilli()),
                s.source());
    }

    /** The entry, or null for a value this version cannot read (a later format, or damage). */
    static Suppression decode(String address, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        String[] f = value.split("\t", -1);
        if (f.length != 6 || !FORMAT.equals(f[0])) {
            return null;
        }
        try {
            return new Suppression(
                    address,
                    f[1],
                    f[2],
                    Instant.ofEpochMilli(Long.parseLong(f[3])),
                    f[4].isEmpty() ? null : Instant.ofEpochMilli(Long.parseLong(f[4])),
                    f[5]);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
