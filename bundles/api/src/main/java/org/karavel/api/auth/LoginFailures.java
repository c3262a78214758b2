package org.karavel.api.auth;

import java.net.InetAddress;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Failed logins (SMTP AUTH, the admin API's Basic auth) per client address, so that one address
 * cannot guess passwords without end. A fixed window per address opened by its first failure; memory
 * is bounded by {@link #MAX_ADDRESSES} (expired entries go first, then arbitrary ones). Thread-safe.
 */
public final class LoginFailures {
    public static final int MAX_ADDRESSES = 10_000;

    private record Window(long startNanos, int failures) { }

    private final Map<InetAddress, Window> windows = new ConcurrentHashMap<>();
    private final LongSupplier clock;

    public LoginFailures() {
        this(System::nanoTime);
    }

    /** With a nanosecond clock of the caller's choice (tests). */
    public LoginFailures(LongSupplier clock) {
        this.clock = clock;
    }

    /** Counts one failure of this address. */
    public void failed(InetAddress address, int windowSeconds) {
        long now = clock.getAsLong();
        long window = windowSeconds * 1_000_000_000L;
        windows.merge(address, new Window(now, 1),
                (old, one) -> now - old.startNanos() > window ? one : new Window(old.startNanos(), old.failures() + 1));
        if (windows.size() > MAX_ADDRESSES) {
            evict(now, window);
        }
    }

    /**
     * Seconds until this address may try again when it has had maxFailures failures or more within
     * the window; 0 when it may try now.
     */
    public long retryAfterSeconds(InetAddress address, int maxFailures, int windowSeconds) {
        Window w = windows.get(address);
        if (w == null) {
            return 0;
        }
        long elapsed = clock.getAsLong() - w.startNanos();
        long window = windowSeconds * 1_000_000_000L;
        if (elapsed > window) {
            windows.remove(address, w);
            return 0;
        }
        if (w.failures() < maxFailures) {
            return 0;
        }
        return Math.max(1, (window - elapsed + 999_999_999L) / 1_000_000_000L);
    }

    /** Whether this address has had maxFailures failures or more within the window. */
    public boolean blocked(InetAddress address, int maxFailures, int windowSeconds) {
        return retryAfterSeconds(address, maxFailures, windowSeconds) > 0;
    }

    /** How many addresses are tracked now. */
    public int size() {
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
