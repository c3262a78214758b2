package org.karavel.dnsbl.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.karavel.api.config.ListProperty;

/**
 * The IPv4 answers of a list zone that mean "listed", as ranges ({@code 127.0.0.2-127.0.0.11}) or
 * single addresses, comma separated. Parsing accepts only dotted-quad literals, so it never looks a
 * name up.
 */
final class CodeRanges {
    private final long[] low;
    private final long[] high;
    private final String text;

    private CodeRanges(long[] low, long[] high, String text) {
        this.low = low;
        this.high = high;
        this.text = text;
    }

    /** @throws IllegalArgumentException if an entry is not an IPv4 address or range */
    static CodeRanges parse(String text) {
        List<long[]> ranges = new ArrayList<>();
        for (String part : ListProperty.entries(text)) {
            int dash = part.indexOf('-');
            long lo = value(dash < 0 ? part : part.substring(0, dash));
            long hi = dash < 0 ? lo : value(part.substring(dash + 1));
            if (hi < lo) {
                throw new IllegalArgumentException("empty range " + part);
            }
            ranges.add(new long[] {lo, hi});
        }
        long[] l = new long[ranges.size()];
        long[] h = new long[ranges.size()];
        for (int i = 0; i < l.length; i++) {
            l[i] = ranges.get(i)[0];
            h[i] = ranges.get(i)[1];
        }
        return new CodeRanges(l, h, text.trim());
    }

    private static long value(String quad) {
        String[] o = quad.trim().split("\\.", -1);
        if (o.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: " + quad);
        }
        long v = 0;
        for (String s : o) {
            if (!s.matches("\\d{1,3}") || Integer.parseInt(s) > 255) {
                throw new IllegalArgumentException("not an IPv4 address: " + quad);
            }
            v = (v << 8) | Integer.parseInt(s);
        }
        return v;
    }

    static long value(InetAddress a) {
        long v = 0;
        for (byte b : a.getAddress()) {
            v = (v << 8) | (b & 0xff);
        }
        return v;
    }

    boolean contains(InetAddress answer) {
        if (!(answer instanceof Inet4Address)) {
            return false;
        }
        long v = value(answer);
        for (int i = 0; i < low.length; i++) {
            if (v >= low[i] && v <= high[i]) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return text;
    }
}
