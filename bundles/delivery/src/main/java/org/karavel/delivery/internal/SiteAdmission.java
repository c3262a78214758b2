package org.karavel.delivery.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.karavel.api.shaping.SiteLimits;

/**
 * The scheduler's part of traffic shaping that workers call: a destination's site becomes known
 * (its connections count there), a site's budget refused a job (it waits queued until the
 * limiter's retryAt, when a timer dispatches the site's queues again: no thread sleeps). Works on
 * the scheduler's queues under the scheduler's lock; the limiter itself is asked by the worker,
 * outside the lock, since a shared one makes a network round trip.
 */
final class SiteAdmission {
    /** How soon a site whose connection slots the fleet held is asked again (other nodes' ends are not heard). */
    static final Duration FLEET_RETRY = Duration.ofSeconds(1);

    private final SiteShaping shaping;
    private final MxLookup mx;
    private final SiteGates gates;
    private final ReentrantLock lock;
    private final ScheduledExecutorService timer;
    private final Clock clock;
    private final Consumer<DestinationQueue> dispatch;
    private final DestinationQueues queues;

    SiteAdmission(
            SiteShaping shaping,
            MxLookup mx,
            SiteGates gates,
            ReentrantLock lock,
            ScheduledExecutorService timer,
            Clock clock,
            Consumer<DestinationQueue> dispatch,
            DestinationQueues queues) {
        this.shaping = shaping;
        this.mx = mx;
        this.gates = gates;
        this.lock = lock;
        this.timer = timer;
        this.clock = clock;
        this.dispatch = dispatch;
        this.queues = queues;
    }

    SiteShaping shaping() {
        return shaping;
    }

    /** The destination's site (an MX lookup on a worker when it is not cached). */
    String siteOf(Destination d, Instant now) throws InterruptedException {
        return shaping.siteOf(d, mx, now);
    }

    /**
     * A worker read the destination's site and its limits: its connections count there from now on.
     * A worker not yet connected whose site turns out to be full (other domains of the site took its
     * slots meanwhile) hands its job back and ends: the queue waits for a slot of the site.
     *
     * @return false when the job went back to the queue and the worker is to end
     */
    boolean siteKnown(DestinationQueue q, DeliveryJob job, String site, SiteLimits limits, boolean connected) {
        lock.lock();
        try {
            boolean learnt = !site.equals(q.site);
            if (q.site != null && learnt) {
                gates.moved(q.site, site, q.workers);
            }
            queues.site(q, site);
            gates.limits(site, limits);
            if (!connected && gates.overLimit(site)) {
                q.jobs.addFirst(job);
                gates.waitFor(site, q);
                return false;
            }
            // a site paced by its rates gives its turns itself (see admitted): waking the queue's other
            // connections here, at every job, only had them find the site held again
            if (learnt || !gates.rateLimited(site)) {
                dispatch.accept(q);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The site's budget refused the job: back to the front of its queue, the site held until {@code retryAt}. */
    void refused(DestinationQueue q, DeliveryJob job, Instant retryAt) {
        lock.lock();
        try {
            q.jobs.addFirst(job);
            String site = q.site;
            if (site != null && gates.holdUntil(site, retryAt)) {
                wakeAt(site, retryAt);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The fleet holds every slot of the job's site: the job goes back to the front of its queue, which
     * waits until one of this node's connections to the site ends or {@link #FLEET_RETRY} has passed.
     */
    void fleetFull(DestinationQueue q, DeliveryJob job) {
        lock.lock();
        try {
            q.jobs.addFirst(job);
            String site = q.site;
            gates.waitFor(site, q);
            if (gates.fleetFull(site)) {
                timer.schedule(() -> retryFleet(site), FLEET_RETRY.toMillis(), TimeUnit.MILLISECONDS);
            }
        } finally {
            lock.unlock();
        }
    }

    private void retryFleet(String site) {
        lock.lock();
        try {
            for (DestinationQueue q : gates.fleetRetry(site)) {
                dispatch.accept(q);
            }
        } finally {
            lock.unlock();
        }
    }

    /** A worker gave its slot of the site back to the fleet (its connection ended). */
    void fleetSlotFreed(String site) {
        lock.lock();
        try {
            gates.fleetSlotFreed(site);
        } finally {
            lock.unlock();
        }
    }

    private void wakeAt(String site, Instant at) {
        long delay = Math.max(0, Duration.between(clock.instant(), at).toNanos());
        timer.schedule(() -> reopen(site, at), delay, TimeUnit.NANOSECONDS);
    }

    /** The hold's timer fired: the site's next turn is given, or a later hold gets its own timer. */
    private void reopen(String site, Instant at) {
        lock.lock();
        try {
            Instant later = gates.woken(site, at, clock.instant());
            if (later != null) {
                wakeAt(site, later);
                return;
            }
            // the budget has room for about one message now: one queue of the site goes (waking them all would
            // only have the others refused again); with no connection waiting, a new one is started
            nextTurn(site, true);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A job of the site was admitted, the next one not before {@code next} (the limiter's answer): the
     * site is held until then, and its timer gives the next turn, so no connection is woken only to be
     * refused. While its budget has room, a waiting connection of the site's next queue in line goes (a
     * new one is started only for a queue without any: it would most likely be refused).
     */
    void admitted(String site, Instant next) {
        lock.lock();
        try {
            if (next.isAfter(clock.instant())) {
                if (gates.holdUntil(site, next)) {
                    wakeAt(site, next);
                }
                return;
            }
            nextTurn(site, false);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Gives the site's next turn to the queue whose first job has waited longest among those with a
     * connection waiting (so every domain of the site gets its turns): one worker is woken; when no
     * connection waits, the queue whose first job waited longest gets a new one (at most one) if
     * {@code mayStart} or it has no worker at all. Under the lock.
     */
    private void nextTurn(String site, boolean mayStart) {
        DestinationQueue waiting = null;
        DestinationQueue any = null;
        for (DestinationQueue q : queues.ofSite(site)) {
            DeliveryJob head = q.jobs.peekFirst();
            if (head == null) {
                continue;
            }
            if (q.idle > 0 && (waiting == null || olderHead(q, waiting))) {
                waiting = q;
            }
            if (any == null || olderHead(q, any)) {
                any = q;
            }
        }
        if (waiting != null) {
            waiting.arrived.signal();
        } else if (any != null && (mayStart || any.workers == 0)) {
            // a queue nobody serves would wait for a hold's timer that no refusal sets
            dispatch.accept(any);
        }
    }

    private static boolean olderHead(DestinationQueue a, DestinationQueue b) {
        return a.jobs.peekFirst()
                .attempt()
                .started()
                .isBefore(b.jobs.peekFirst().attempt().started());
    }

    /** Open connections per site (shaped destinations only). */
    Map<String, Integer> siteConnections() {
        lock.lock();
        try {
            return gates.connections();
        } finally {
            lock.unlock();
        }
    }
}
