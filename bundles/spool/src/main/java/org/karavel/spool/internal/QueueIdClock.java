package org.karavel.spool.internal;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Random;
import java.util.function.LongSupplier;
import org.karavel.api.queue.QueueId;

/**
 * Issues queue ids: 9 characters of milliseconds, 3 of a counter within the millisecond and 3
 * random ones, in Crockford's base32 (whose alphabet is in ASCII order, so ids sort by creation).
 * The millisecond part never goes back, even across restarts: the spool stores the last one used
 * and the clock resumes after it, so a clock set back cannot reissue an id.
 */
final class QueueIdClock {
    static final int LENGTH = 15;

    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final int COUNTER_LIMIT = 32 * 32 * 32;

    private final LongSupplier millis;
    private final Random random = new SecureRandom();
    private long lastMillis;
    private int counter;

    QueueIdClock(LongSupplier millis) {
        this.millis = millis;
    }

    synchronized QueueId next() {
        long now = millis.getAsLong();
        if (now > lastMillis) {
            lastMillis = now;
            counter = 0;
        } else if (++counter >= COUNTER_LIMIT) {
            // more than 32768 ids in one millisecond: borrow the next millisecond
            lastMillis++;
            counter = 0;
        }
        char[] id = new char[LENGTH];
        put(id, 0, 9, lastMillis);
        put(id, 9, 3, counter);
        put(id, 12, 3, random.nextInt(COUNTER_LIMIT));
        return new QueueId(new String(id));
    }

    /** Makes every later id newer than {@code millis} (the high-water mark stored by the spool). */
    synchronized void resumeAfter(long usedMillis) {
        if (usedMillis >= lastMillis) {
            lastMillis = usedMillis;
            counter = COUNTER_LIMIT - 1;
        }
    }

    /** The millisecond part of the newest id issued so far. */
    synchronized long highWater() {
        return lastMillis;
    }

    /** Whether {@code name} has the shape of an id this clock issues (so a draft of this run may own it). */
    static boolean issuedShape(String name) {
        if (name.length() != LENGTH) {
            return false;
        }
        for (int i = 0; i < LENGTH; i++) {
            if (Arrays.binarySearch(ALPHABET, name.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    private static void put(char[] into, int offset, int digits, long value) {
        for (int i = offset + digits - 1; i >= offset; i--) {
            into[i] = ALPHABET[(int) (value & 31)];
            value >>>= 5;
        }
    }
}
