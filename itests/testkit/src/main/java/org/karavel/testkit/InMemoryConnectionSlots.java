package org.karavel.testkit;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.karavel.api.shaping.ConnectionSlots;

/**
 * The ConnectionSlots contract in a map, as a Redis store keeps it for a fleet (at most {@code limit}
 * slots per key, whoever asks), so several delivery schedulers of one test play nodes sharing a
 * site's max_connections. Remembers every ask and the most slots held at once per key.
 */
public final class InMemoryConnectionSlots implements ConnectionSlots {
    /** One call of {@link #tryAcquire}, and whether it got a slot. */
    public record Ask(String key, int limit, Duration loweredFor, boolean taken) {}

    private final Map<String, Integer> held = new HashMap<>();
    private final Map<String, Integer> most = new HashMap<>();
    private final List<Ask> asks = new CopyOnWriteArrayList<>();

    @Override
    public synchronized Optional<Slot> tryAcquire(String key, int limit, Duration loweredFor) {
        int n = held.getOrDefault(key, 0);
        boolean taken = n < Math.max(1, limit);
        asks.add(new Ask(key, limit, loweredFor, taken));
        if (!taken) {
            return Optional.empty();
        }
        held.put(key, n + 1);
        most.merge(key, n + 1, Math::max);
        AtomicBoolean open = new AtomicBoolean(true);
        return Optional.of(new Slot() {
            @Override
            public String key() {
                return key;
            }

            @Override
            public void close() {
                if (open.compareAndSet(true, false)) {
                    release(key);
                }
            }
        });
    }

    private synchronized void release(String key) {
        held.merge(key, -1, Integer::sum);
    }

    /** Slots held under the key now. */
    public synchronized int held(String key) {
        return held.getOrDefault(key, 0);
    }

    /** The most slots held under the key at once so far. */
    public synchronized int most(String key) {
        return most.getOrDefault(key, 0);
    }

    /** Every ask so far, in order. */
    public List<Ask> asks() {
        return List.copyOf(asks);
    }

    /** Asks that got no slot. */
    public long refused() {
        return asks.stream().filter(a -> !a.taken()).count();
    }
}
