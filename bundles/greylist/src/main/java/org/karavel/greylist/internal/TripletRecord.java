package org.karavel.greylist.internal;

import java.time.Instant;

/**
 * What the store knows of one triplet. Kept on disk as a {@code long[]} ({@link #toLongs()}) so
 * that a later bundle version reads it without Java serialization.
 *
 * @param firstSeen start of the current greylisting of this triplet (postgrey keeps it on early retries)
 * @param lastSeen when it was last seen
 * @param passed whether a retry came after the delay
 */
record TripletRecord(Instant firstSeen, Instant lastSeen, boolean passed) {
    private static final long FORMAT = 1;

    long[] toLongs() {
        return new long[] {FORMAT, firstSeen.toEpochMilli(), lastSeen.toEpochMilli(), passed ? 1 : 0};
    }

    static TripletRecord fromLongs(long[] v) {
        if (v == null || v.length < 4 || v[0] != FORMAT) {
            throw new IllegalArgumentException("unknown triplet record format");
        }
        return new TripletRecord(Instant.ofEpochMilli(v[1]), Instant.ofEpochMilli(v[2]), v[3] != 0);
    }

    TripletRecord seen(Instant now) {
        return new TripletRecord(firstSeen, now, passed);
    }
}
