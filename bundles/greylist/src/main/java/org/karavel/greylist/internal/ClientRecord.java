package org.karavel.greylist.internal;

import java.time.Instant;

/**
 * What the store knows of one client network: for auto-whitelisting (postgrey's
 * --auto-whitelist-clients) how often its mail passed a greylist retry, counted at most once per
 * hour; or that an operator allowed it. Kept on disk as a {@code long[]}.
 *
 * @param passes passes counted so far
 * @param lastCounted when a pass was last counted
 * @param lastSeen when mail from the network was last seen
 * @param allowed allowed by an operator: never expires, never greylisted
 */
record ClientRecord(long passes, Instant lastCounted, Instant lastSeen, boolean allowed) {
    private static final long FORMAT = 1;

    long[] toLongs() {
        return new long[] {FORMAT, passes, lastCounted.toEpochMilli(), lastSeen.toEpochMilli(), allowed ? 1 : 0};
    }

    static ClientRecord fromLongs(long[] v) {
        if (v == null || v.length < 5 || v[0] != FORMAT) {
            throw new IllegalArgumentException("unknown client record format");
        }
        return new ClientRecord(v[1], Instant.ofEpochMilli(v[2]), Instant.ofEpochMilli(v[3]), v[4] != 0);
    }
}
