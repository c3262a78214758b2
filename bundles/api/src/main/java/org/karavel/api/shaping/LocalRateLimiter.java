package org.karavel.api.shaping;

import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-process {@link RateLimiter}: GCRA over a map of theoretical arrival times, one entry per
 * key. Thread-safe without a global lock; a budget that has been idle longer than its burst window
 * is forgotten by {@link #forgetIdle}, so keys cost memory only while they are in use.
 */
public final class LocalRateLimiter implements RateLimiter {
    /** Theoretical arrival time per key, in nanoseconds since the epoch. */
    private final Map<String, Long> tat = new ConcurrentHashMap<>();

    @Override
    public Admission tryAcquire(String key, Rate rate, int burst, Instant now) {
        return decide(key, rate, burst, now, true);
    }

    @Override
    public Admission peek(String key, Rate rate, int burst, Instant now) {
        return decide(key, rate, burst, now, false);
    }

    private Admission decide(String key, Rate rate, int burst, Instant now, boolean take) {
        long interval = rate.interval().toNanos();
        long tolerance = interval * (Math.max(1, burst) - 1L);
        long t = nanos(now);
        Admission[] answer = new Admission[1];
        tat.compute(key, (k, old) -> {
            long theoretical = old == null ? t : Math.max(old, t);
            long allowAt = theoretical - tolerance;
            if (t < allowAt) {
                answer[0] = Admission.refusedUntil(Instant.ofEpochSecond(0, allowAt));
                return old;
            }
            if (!take) {
                answer[0] = Admission.admittedAt(now);
                return old;
            }
            answer[0] = Admission.admittedNextAt(Instant.ofEpochSecond(0, theoretical + interval - tolerance));
            return theoretical + interval;
        });
        return answer[0];
    }

    /** Drops budgets that are full again at {@code now} (their state equals a fresh one's). */
    public void forgetIdle(Instant now) {
        long t = nanos(now);
        for (Iterator<Map.Entry<String, Long>> i = tat.entrySet().iterator(); i.hasNext(); ) {
            if (i.next().getValue() <= t) {
                i.remove();
            }
        }
    }

    /** Budgets held now (for metrics). */
    public int size() {
        return tat.size();
    }

    private static long nanos(Instant i) {
        return Math.addExact(
                Math.multiplyExact(i.getEpochSecond(), Duration.ofSeconds(1).toNanos()), i.getNano());
    }
}
