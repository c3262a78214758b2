package org.karavel.clamav.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** At most one warning per interval, from any thread; the others are counted, not logged. */
final class WarningInterval {
    static final long NOT_DUE = -1;
    private static final long NEVER = Long.MIN_VALUE;

    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final AtomicLong last = new AtomicLong(NEVER);
    private final AtomicLong heldBack = new AtomicLong();

    WarningInterval(Duration interval, LongSupplier nanoClock) {
        this.intervalNanos = interval.toNanos();
        this.nanoClock = nanoClock;
    }

    /**
     * Whether a warning is due now: {@link #NOT_DUE} if one was logged less than an interval ago,
     * else how many were held back since (and the interval starts again).
     */
    long due() {
        long now = nanoClock.getAsLong();
        long prev = last.get();
        if ((prev == NEVER || now - prev >= intervalNanos) && last.compareAndSet(prev, now)) {
            return heldBack.getAndSet(0);
        }
        heldBack.incrementAndGet();
        return NOT_DUE;
    }
}
