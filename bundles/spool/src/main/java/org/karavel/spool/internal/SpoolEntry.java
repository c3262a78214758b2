package org.karavel.spool.internal;

import java.util.List;
import org.karavel.api.queue.QueueId;

/**
 * What the index keeps of one queued message. A queue id as {@link QueueIdClock} makes it (15
 * characters of Crockford's base32) is packed into a long and an int; any other id is kept as text.
 */
final class SpoolEntry {
    private static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static final int HIGH_DIGITS = 12;

    private final long idHigh;
    private final int idLow;
    /** The id as text when it does not pack, else null. */
    private final String idText;
    /** Next attempt, epoch milliseconds. */
    final long next;
    /** Arrival, epoch milliseconds. */
    final long received;

    final long size;
    final boolean inline;
    /** The domain key of each pending recipient; empty when the message is finished. */
    final List<String> domains;

    SpoolEntry(QueueId id, long next, long received, long size, boolean inline, List<String> domains) {
        String v = id.value();
        long high = packable(v) ? pack(v, 0, HIGH_DIGITS) : -1;
        this.idHigh = high;
        this.idLow = high < 0 ? 0 : (int) pack(v, HIGH_DIGITS, QueueIdClock.LENGTH);
        this.idText = high < 0 ? v : null;
        this.next = next;
        this.received = received;
        this.size = size;
        this.inline = inline;
        this.domains = domains;
    }

    /** An entry to look a message up by id with. */
    static SpoolEntry probe(QueueId id) {
        return new SpoolEntry(id, 0, 0, 0, false, List.of());
    }

    QueueId id() {
        return new QueueId(key());
    }

    String key() {
        if (idText != null) {
            return idText;
        }
        char[] c = new char[QueueIdClock.LENGTH];
        unpack(c, 0, HIGH_DIGITS, idHigh);
        unpack(c, HIGH_DIGITS, QueueIdClock.LENGTH, idLow);
        return new String(c);
    }

    /** Orders as the ids' text does: packed digits keep the alphabet's (ASCII) order. */
    int compareId(SpoolEntry o) {
        if (idText == null && o.idText == null) {
            int c = Long.compare(idHigh, o.idHigh);
            return c != 0 ? c : Integer.compare(idLow, o.idLow);
        }
        return key().compareTo(o.key());
    }

    private static boolean packable(String v) {
        if (v.length() != QueueIdClock.LENGTH) {
            return false;
        }
        for (int i = 0; i < v.length(); i++) {
            if (ALPHABET.indexOf(v.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    private static long pack(String v, int from, int to) {
        long n = 0;
        for (int i = from; i < to; i++) {
            n = (n << 5) | ALPHABET.indexOf(v.charAt(i));
        }
        return n;
    }

    private static void unpack(char[] into, int from, int to, long value) {
        for (int i = to - 1; i >= from; i--) {
            into[i] = ALPHABET.charAt((int) (value & 31));
            value >>>= 5;
        }
    }
}
