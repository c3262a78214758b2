package org.karavel.delivery.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.karavel.api.shaping.Rate;
import org.karavel.api.shaping.SiteLimits;

/**
 * Mail for a site whose rate holds it, beyond what the site can send in the next few seconds: it is
 * not taken into memory (where it would count against the messages in flight and crowd out other
 * sites' mail) but left in the spool, due again at about its turn. Turns are handed out one rate
 * interval apart after the jobs already queued for the site, so held mail comes back at the pace the
 * site can take it, never all at once. Guarded by the scheduler's lock; no I/O.
 */
final class HeldMail {
    /**
     * A held site keeps this much of its rate queued in memory: its connections never run dry, and a
     * message held in memory costs less than one sent back to the spool (a write, then a read).
     */
    static final Duration AHEAD = Duration.ofSeconds(60);
    /** Jobs a held site may keep queued in memory, at least and at most (ten such sites fill what may be in flight). */
    static final int MIN_QUEUED = 50;

    static final int MAX_QUEUED = 1000;

    private final SiteGates gates;
    private final Supplier<SiteShaping> shaping;
    /** Per site, the last turn handed to a message left in the spool. */
    private final Map<String, Instant> lastTurn = new HashMap<>();

    HeldMail(SiteGates gates, Supplier<SiteShaping> shaping) {
        this.gates = gates;
        this.shaping = shaping;
    }

    /**
     * When a message whose jobs are these should be looked at again, or null when it is to be
     * delivered now: only when every job goes to a site held by its message rate, with at least a
     * few seconds of that rate queued already, does the message wait in the spool.
     */
    Instant turnOf(List<DeliveryJob> jobs, DestinationQueues queues, Instant now) {
        SiteShaping s = shaping.get();
        if (jobs.isEmpty() || !s.active()) {
            return null;
        }
        Instant latest = null;
        for (DeliveryJob j : jobs) {
            Instant turn = turnOf(j.destination(), queues, s, now);
            if (turn == null) {
                return null;
            }
            latest = latest == null || turn.isAfter(latest) ? turn : latest;
        }
        for (DeliveryJob j : jobs) {
            lastTurn.put(siteOf(j.destination(), queues, s), latest);
        }
        return latest;
    }

    private Instant turnOf(Destination d, DestinationQueues queues, SiteShaping s, Instant now) {
        String site = siteOf(d, queues, s);
        if (site == null) {
            return null;
        }
        long wait = gates.waitNanos(site, now);
        SiteLimits limits = gates.limits(site);
        Rate rate = limits == null ? null : limits.maxMessageRate();
        if (wait <= 0 || rate == null) {
            return null;
        }
        int queued = queued(site, queues);
        if (queued < room(rate, limits.burst())) {
            return null;
        }
        Duration interval = rate.interval();
        Instant after = now.plusNanos(wait).plus(interval.multipliedBy(queued));
        Instant last = lastTurn.get(site);
        if (last != null && !last.plus(interval).isBefore(after)) {
            after = last.plus(interval);
        }
        return after;
    }

    /** Jobs the site may keep queued in memory: its burst and {@link #AHEAD} of its rate, within bounds. */
    static int room(Rate rate, int burst) {
        double ahead = (double) AHEAD.toNanos() / rate.interval().toNanos();
        return (int) Math.max(MIN_QUEUED, Math.min(MAX_QUEUED, burst + ahead));
    }

    /** Forgets the turns that have passed (called now and then, so the map stays small). */
    void forgetPast(Instant now) {
        lastTurn.values().removeIf(t -> t.isBefore(now));
    }

    private static String siteOf(Destination d, DestinationQueues queues, SiteShaping s) {
        if (!SiteShaping.applies(d)) {
            return null;
        }
        DestinationQueue q = queues.existing(d);
        if (q != null) {
            return q.site;
        }
        String cached = s.cachedSite(d.name());
        return cached == null ? d.name() : cached;
    }

    private static int queued(String site, DestinationQueues queues) {
        int n = 0;
        for (DestinationQueue q : queues.ofSite(site)) {
            n += q.jobs.size();
        }
        return n;
    }
}
