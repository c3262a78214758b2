package org.karavel.delivery.internal;

import java.time.Duration;

/** Postfix-like retry intervals: min × 2^(attempts−1), capped (5 min, 10, 20, 40, 80, 160, 240, 240 …). */
final class Backoff {
    private final Duration min;
    private final Duration max;

    Backoff(Duration min, Duration max) {
        this.min = min;
        this.max = max;
    }

    /** The wait after the given number of attempts (1 after the first). */
    Duration after(int attempts) {
        int n = Math.max(1, attempts);
        // past 2^40 every sane maximum is reached; avoids overflow
        if (n > 40) {
            return max;
        }
        long seconds = min.getSeconds();
        long factor = 1L << (n - 1);
        if (seconds > max.getSeconds() / factor) {
            return max;
        }
        Duration d = min.multipliedBy(factor);
        return d.compareTo(max) > 0 ? max : d;
    }
}
