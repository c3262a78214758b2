package org.karavel.delivery.internal;

import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.karavel.api.shaping.SiteLimits;

/**
 * The scheduler's view of each site: connections open to it (across its domains), its limits as a
 * worker last read them, and the instant before which its jobs stay queued (a refused admission's
 * retryAt), and whether the fleet held every slot of the site when a worker last asked (a shared
 * store's connection slots). Not thread-safe: guarded by the scheduler's lock, and never asks anything
 * outside memory.
 */
final class SiteGates {
    private static final class Gate {
        int connections;
        SiteLimits limits;
        Instant notBefore = Instant.MIN;
        /** When a timer is already set to open the gate; null when none is. */
        Instant wakeAt;
        /** The fleet held every slot of the site: no new connection until a retry or one of ours ends. */
        boolean fleetFull;
        /** A timer is set to try the fleet's slots again. */
        boolean fleetRetrySet;

        final Set<DestinationQueue> waiting = new LinkedHashSet<>();
    }

    private final Map<String, Gate> gates = new HashMap<>();

    private Gate gate(String site) {
        return gates.computeIfAbsent(site, s -> new Gate());
    }

    /**
     * Whether one more connection to the site stays within its max_connections. Until a worker has
     * read the site's limits, one connection at a time: that worker reads them before it connects.
     */
    boolean roomFor(String site) {
        Gate g = gates.get(site);
        if (g == null) {
            return true;
        }
        if (g.fleetFull) {
            return false;
        }
        if (g.limits == null) {
            return g.connections < 1;
        }
        return g.limits.maxConnections() <= 0 || g.connections < g.limits.maxConnections();
    }

    /** Whether the site has more connections open than its max_connections (its site just became known). */
    boolean overLimit(String site) {
        Gate g = gates.get(site);
        return g != null
                && g.limits != null
                && g.limits.maxConnections() > 0
                && g.connections > g.limits.maxConnections();
    }

    /** The queue waits for a connection of its site to end. */
    void waitFor(String site, DestinationQueue q) {
        gate(site).waiting.add(q);
    }

    void opened(String site) {
        gate(site).connections++;
    }

    /** A connection ended: the queues that waited for one of the site's slots. */
    List<DestinationQueue> closed(String site) {
        Gate g = gates.get(site);
        if (g == null) {
            return List.of();
        }
        g.connections--;
        List<DestinationQueue> w = List.copyOf(g.waiting);
        g.waiting.clear();
        forgetIfIdle(site, g);
        return w;
    }

    /** Moves a queue's connections from the site it was counted under to the one its MX answer gave. */
    void moved(String from, String to, int connections) {
        Gate f = gates.get(from);
        if (f != null) {
            f.connections -= connections;
            forgetIfIdle(from, f);
        }
        gate(to).connections += connections;
    }

    /**
     * The fleet holds every slot of the site: no new connection to it until {@link #fleetRetry}, or
     * until one of this node's connections to it ends.
     *
     * @return true when the caller must set the retry's timer (none is set)
     */
    boolean fleetFull(String site) {
        Gate g = gate(site);
        g.fleetFull = true;
        if (g.fleetRetrySet) {
            return false;
        }
        g.fleetRetrySet = true;
        return true;
    }

    /** The retry's timer fired: the queues waiting for the site, to be dispatched (they ask the fleet again). */
    List<DestinationQueue> fleetRetry(String site) {
        Gate g = gates.get(site);
        if (g == null) {
            return List.of();
        }
        g.fleetFull = false;
        g.fleetRetrySet = false;
        List<DestinationQueue> w = List.copyOf(g.waiting);
        g.waiting.clear();
        forgetIfIdle(site, g);
        return w;
    }

    /** One of this node's slots of the site went back to the fleet: a waiting queue may take it. */
    void fleetSlotFreed(String site) {
        Gate g = gates.get(site);
        if (g != null) {
            g.fleetFull = false;
        }
    }

    void limits(String site, SiteLimits limits) {
        gate(site).limits = limits;
    }

    SiteLimits limits(String site) {
        Gate g = gates.get(site);
        return g == null ? null : g.limits;
    }

    /**
     * Holds the site's jobs until {@code retryAt}.
     *
     * @return true when the caller must set a timer for it (none is set for that instant or earlier)
     */
    boolean holdUntil(String site, Instant retryAt) {
        Gate g = gate(site);
        if (retryAt.isAfter(g.notBefore)) {
            g.notBefore = retryAt;
        }
        if (g.wakeAt != null && !g.wakeAt.isAfter(retryAt)) {
            return false;
        }
        g.wakeAt = retryAt;
        return true;
    }

    /**
     * The timer set for {@code at} fired. A hold extended meanwhile (a later retryAt) needs a timer of
     * its own: its instant is returned, and the caller sets it; null when the site may go now.
     */
    Instant woken(String site, Instant at, Instant now) {
        Gate g = gates.get(site);
        if (g == null) {
            return null;
        }
        if (at.equals(g.wakeAt)) {
            g.wakeAt = null;
        }
        if (g.notBefore.isAfter(now) && g.wakeAt == null) {
            g.wakeAt = g.notBefore;
            return g.notBefore;
        }
        return null;
    }

    /** Whether the site has a message or connection rate (as a worker last read its limits). */
    boolean rateLimited(String site) {
        Gate g = gates.get(site);
        return g != null
                && g.limits != null
                && (g.limits.maxMessageRate() != null || g.limits.maxConnectionRate() != null);
    }

    /** Nanoseconds the site's jobs must still wait at {@code now}; 0 when they may go. */
    long waitNanos(String site, Instant now) {
        Gate g = gates.get(site);
        if (g == null || !g.notBefore.isAfter(now)) {
            return 0;
        }
        return Math.max(1, g.notBefore.toEpochMilli() - now.toEpochMilli()) * 1_000_000L;
    }

    /** Connections open per site, for metrics and the shell. */
    Map<String, Integer> connections() {
        Map<String, Integer> out = new HashMap<>();
        gates.forEach((s, g) -> {
            if (g.connections > 0) {
                out.put(s, g.connections);
            }
        });
        return out;
    }

    private void forgetIfIdle(String site, Gate g) {
        if (g.connections <= 0 && g.waiting.isEmpty() && g.wakeAt == null && !g.fleetRetrySet) {
            gates.remove(site);
        }
    }
}
