package org.karavel.smtp.internal;

import java.net.InetAddress;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Failed AUTH attempts per client address, so that one address cannot guess passwords without
 * end. A fixed window per address opened by its first failure; memory is bounded by
 * {@link #MAX_ADDRESSES} (expired entries go first, then arbitrary ones).
 */
final class AuthFailures {
    static final int MAX_ADDRESSES = 10_000;

    private record Window(long startNanos, int failures) { }

    private final Map<InetAddress, Window> windows = new ConcurrentHashMap<>();
    private final LongSupplier clock;

    AuthFailures() {
        this(System::nanoTime);
    }

    AuthFailures(LongSupplier clock) {
        this.clock = clock;
    }

    /** Counts one failure of this address. */
    void failed(InetAddress address, int windowSeconds) {
        long now = clock.getAsLong();
        long window = windowSeconds * 1_000_000_000L;
        windows.merge(address, new Window(now, 1),
                (old, one) -> now - old.startNanos() > window ? one : new Window(old.startNanos(), old.failures() + 1));
        if (windows.size() > MAX_ADDRESSES) {
            evict(now, window);
        }
    }

    /** Whether this address has had maxFailures failures or more within the window. */
    boolean blocked(InetAddress address, int maxFailures, int windowSeconds) {
        Window w = windows.get(address);
        if (w == null) {
            return false;
        }
        if (clock.getAsLong() - w.startNanos() > windowSeconds * 1_000_000_000L) {
            windows.remove(address, w);
            return false;
        }
        return w.failures() >= maxFailures;
    }

    int size() {
        return windows.size();
    }

    private void evict(long now, long window) {
        windows.values().removeIf(w -> now - w.startNanos() > window);
        Iterator<InetAddress> it = windows.keySet().iterator();
        while (windows.size() > MAX_ADDRESSES && it.hasNext()) {
            it.next();
            it.remove();
        }
    }
}
