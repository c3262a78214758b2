package org.karavel.api.auth;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.function.LongSupplier;
import org.karavel.api.net.CidrBlock;

/**
 * Failed logins (SMTP AUTH, the admin API's Basic auth) per client network, so that one client
 * cannot guess passwords without end. A fixed window per network opened by its first failure.
 *
 * <p>Clients are counted by network: IPv4 by /32 and IPv6 by /64 unless the caller chooses (one
 * IPv6 client usually owns a whole /64). {@link #attempt} counts a try as a failure before the
 * password is checked and {@link #succeeded} takes it back, so parallel sessions cannot overshoot the
 * limit while their checks run. Memory is bounded by {@link #MAX_ADDRESSES}: expired windows go first,
 * then the least recently seen networks that are not blocked; a blocked network is never dropped to
 * make room, and while every remembered network is blocked a new one is refused (fails closed).
 * Thread-safe.
 */
public final class LoginFailures {
    public static final int MAX_ADDRESSES = 10_000;

    /** @param limit the most failures the last caller allowed, to tell blocked windows apart when evicting */
    private record Window(long startNanos, int failures, int limit) {
        boolean blocked() {
            return failures >= limit;
        }
    }

    /** In access order: the eldest entry is the least recently seen. Guarded by {@code this}. */
    private final LinkedHashMap<CidrBlock, Window> windows = new LinkedHashMap<>(16, 0.75f, true);

    private final LongSupplier clock;
    private final int ipv4Prefix;
    private final int ipv6Prefix;

    public LoginFailures() {
        this(System::nanoTime);
    }

    /** With a nanosecond clock of the caller's choice (tests). */
    public LoginFailures(LongSupplier clock) {
        this(32, 64, clock);
    }

    /**
     * @param ipv4Prefix the prefix length IPv4 clients are grouped by in the {@link InetAddress} methods (32: each address)
     * @param ipv6Prefix the same for IPv6 (64: each /64)
     */
    public LoginFailures(int ipv4Prefix, int ipv6Prefix, LongSupplier clock) {
        if (ipv4Prefix < 0 || ipv4Prefix > 32 || ipv6Prefix < 0 || ipv6Prefix > 128) {
            throw new IllegalArgumentException("prefix lengths " + ipv4Prefix + ", " + ipv6Prefix);
        }
        this.ipv4Prefix = ipv4Prefix;
        this.ipv6Prefix = ipv6Prefix;
        this.clock = clock;
    }

    /** The network this client is counted in. */
    public CidrBlock network(InetAddress address) {
        return CidrBlock.enclosing(address, address instanceof Inet4Address ? ipv4Prefix : ipv6Prefix);
    }

    /** Counts one failure of this address's network. */
    public void failed(InetAddress address, int windowSeconds) {
        failed(network(address), windowSeconds);
    }

    /** Counts one failure of this network. */
    public synchronized void failed(CidrBlock client, int windowSeconds) {
        count(client, Integer.MAX_VALUE, windowSeconds, false);
    }

    /**
     * A login is about to be checked: unless the network is already blocked, its try counts as a
     * failure now (call {@link #succeeded} when the password was right).
     *
     * @return false when the network has had maxFailures failures (or tries being checked) within
     *     the window, or no room can be made for it: refuse without checking the password
     */
    public synchronized boolean attempt(CidrBlock client, int maxFailures, int windowSeconds) {
        return count(client, maxFailures, windowSeconds, true);
    }

    /** A try counted by {@link #attempt} succeeded: it no longer counts. */
    public synchronized void succeeded(CidrBlock client) {
        Window w = windows.get(client);
        if (w != null && w.failures() > 0) {
            windows.put(client, new Window(w.startNanos(), w.failures() - 1, w.limit()));
        }
    }

    /**
     * Seconds until this address's network may try again when it has had maxFailures failures or
     * more within the window; 0 when it may try now.
     */
    public long retryAfterSeconds(InetAddress address, int maxFailures, int windowSeconds) {
        return retryAfterSeconds(network(address), maxFailures, windowSeconds);
    }

    /** As {@link #retryAfterSeconds(InetAddress, int, int)}, for a network. */
    public synchronized long retryAfterSeconds(CidrBlock client, int maxFailures, int windowSeconds) {
        Window w = windows.get(client);
        if (w == null) {
            return 0;
        }
        long elapsed = clock.getAsLong() - w.startNanos();
        long window = windowSeconds * 1_000_000_000L;
        if (elapsed > window) {
            windows.remove(client);
            return 0;
        }
        if (w.limit() != maxFailures) {
            windows.put(client, new Window(w.startNanos(), w.failures(), maxFailures));
        }
        if (w.failures() < maxFailures) {
            return 0;
        }
        return Math.max(1, (window - elapsed + 999_999_999L) / 1_000_000_000L);
    }

    /** Whether this address's network has had maxFailures failures or more within the window. */
    public boolean blocked(InetAddress address, int maxFailures, int windowSeconds) {
        return retryAfterSeconds(address, maxFailures, windowSeconds) > 0;
    }

    /** Whether this network has had maxFailures failures or more within the window. */
    public boolean blocked(CidrBlock client, int maxFailures, int windowSeconds) {
        return retryAfterSeconds(client, maxFailures, windowSeconds) > 0;
    }

    /** How many networks are tracked now. */
    public synchronized int size() {
        return windows.size();
    }

    private boolean count(CidrBlock client, int maxFailures, int windowSeconds, boolean refuseBlocked) {
        long now = clock.getAsLong();
        long window = windowSeconds * 1_000_000_000L;
        Window w = windows.get(client);
        if (w != null && now - w.startNanos() > window) {
            w = null;
        }
        if (w == null) {
            if (!windows.containsKey(client) && windows.size() >= MAX_ADDRESSES && !makeRoom(now, window)) {
                return false;
            }
            windows.put(client, new Window(now, 1, maxFailures));
            return true;
        }
        if (refuseBlocked && w.failures() >= maxFailures) {
            windows.put(client, new Window(w.startNanos(), w.failures(), maxFailures));
            return false;
        }
        windows.put(client, new Window(w.startNanos(), w.failures() + 1, Math.min(w.limit(), maxFailures)));
        return true;
    }

    /** Drops the least recently seen window that has expired or is not blocked; false when none can go. */
    private boolean makeRoom(long now, long window) {
        for (Iterator<Window> it = windows.values().iterator(); it.hasNext(); ) {
            Window w = it.next();
            if (now - w.startNanos() > window || !w.blocked()) {
                it.remove();
                return true;
            }
        }
        return false;
    }
}
