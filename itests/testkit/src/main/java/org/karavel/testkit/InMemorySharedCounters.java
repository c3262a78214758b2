package org.karavel.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.karavel.api.fleet.SharedCounters;

/**
 * The SharedCounters contract in a map, as a Redis store keeps it (a window starts at a key's first
 * increment; the count expires with it), so several listeners of one test share one fleet's counts.
 * {@link #unreachable} makes every call fail as an unreachable store does.
 */
public final class InMemorySharedCounters implements SharedCounters {
    private record Count(long value, Instant expires) {}

    private final Map<String, Count> counts = new HashMap<>();
    private final Clock clock;

    /** While true, every call completes exceptionally, as when the store is down. */
    public final AtomicBoolean unreachable = new AtomicBoolean();

    /** Calls answered, failed ones included. */
    public final AtomicInteger calls = new AtomicInteger();

    public InMemorySharedCounters() {
        this(Clock.systemUTC());
    }

    public InMemorySharedCounters(Clock clock) {
        this.clock = clock;
    }

    @Override
    public CompletionStage<Long> add(String key, long delta, Duration window) {
        calls.incrementAndGet();
        if (unreachable.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("store unreachable (test)"));
        }
        synchronized (this) {
            Instant now = clock.instant();
            Count c = live(key, now);
            Count next = c == null ? new Count(delta, now.plus(window)) : new Count(c.value() + delta, c.expires());
            counts.put(key, next);
            return CompletableFuture.completedFuture(next.value());
        }
    }

    @Override
    public CompletionStage<Long> get(String key) {
        calls.incrementAndGet();
        if (unreachable.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("store unreachable (test)"));
        }
        synchronized (this) {
            Count c = live(key, clock.instant());
            return CompletableFuture.completedFuture(c == null ? 0L : c.value());
        }
    }

    /** The key's count now, 0 when absent or expired, for assertions. */
    public synchronized long count(String key) {
        Count c = live(key, clock.instant());
        return c == null ? 0 : c.value();
    }

    private Count live(String key, Instant now) {
        Count c = counts.get(key);
        if (c != null && !now.isBefore(c.expires())) {
            counts.remove(key);
            return null;
        }
        return c;
    }
}
