package org.karavel.api.shaping;

import java.time.Instant;

/**
 * A store of rate budgets keyed by name (a site, {@code site:gmail}; a source address,
 * {@code source:192.0.2.10}), deciding by GCRA: an event is admitted when it keeps the key within
 * its rate, allowing a burst of {@code burst} events at once. Deciding never waits.
 *
 * <p>The in-process implementation answers in memory; a shared one (Redis, for several nodes) makes
 * one round trip per call, so callers ask from a delivery worker or a timer, never from an I/O
 * thread or while holding a lock other threads wait on.
 */
public interface RateLimiter {

    /**
     * Takes one event from the key's budget if the rate allows it at {@code now}.
     *
     * @param key the budget's name
     * @param rate the rate to hold
     * @param burst events allowed at once on a fresh budget, at least 1
     * @param now the caller's clock
     * @return admitted (since 1.2.0 with the earliest instant at which the next event would be
     *     admitted, {@code now} or earlier while the burst has room; a limiter that cannot tell answers
     *     {@code now}), or refused with the earliest instant at which one event would be admitted
     */
    Admission tryAcquire(String key, Rate rate, int burst, Instant now);

    /**
     * Whether an event would be admitted, and when; takes nothing.
     */
    Admission peek(String key, Rate rate, int burst, Instant now);

    /**
     * The answer of a limiter: refused, {@code retryAt} is when one event would be admitted; admitted,
     * when the next one would (see {@link #admittedNextAt}).
     */
    record Admission(boolean admitted, Instant retryAt) {
        public static Admission admittedAt(Instant now) {
            return new Admission(true, now);
        }

        /**
         * Admitted, the next event not before {@code next}: a caller that knows it need not ask again
         * before then (a refusal would tell the same, at the cost of a call). Since 1.2.0.
         */
        public static Admission admittedNextAt(Instant next) {
            return new Admission(true, next);
        }

        public static Admission refusedUntil(Instant retryAt) {
            return new Admission(false, retryAt);
        }
    }
}
