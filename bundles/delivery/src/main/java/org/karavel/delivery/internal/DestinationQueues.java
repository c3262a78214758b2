package org.karavel.delivery.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The destination queues and the connection slots: which queue gets a worker (max_connections in all,
 * max_connections_per_destination per destination, a site's max_connections across its domains and
 * its rate holds), which job a worker takes next, and what becomes of a queue when its workers end.
 * Everything runs under the scheduler's lock; nothing here does I/O.
 */
final class DestinationQueues {
    private final DeliverySettings settings;
    private final ReentrantLock lock;
    private final Clock clock;
    private final SiteGates gates;
    private final Supplier<SiteShaping> shaping;
    /** Starts a worker thread for the queue (its slot is already counted). */
    private final Consumer<DestinationQueue> startWorker;

    /** How long a connection waits open for mail its site's rate holds back (when no other queue needs the slot). */
    static final Duration HELD_OPEN = Duration.ofSeconds(30);

    /**
     * A held connection keeps its slot for a hold shorter than this even when another queue waits for one:
     * a new connection later would cost more than the wait (and the site's turn would be lost).
     */
    static final Duration SHORT_HOLD = Duration.ofMillis(500);

    private final Map<Destination, DestinationQueue> queues = new HashMap<>();
    /** The queues of each site (shaped destinations): a site's count or next turn walks its own queues only. */
    private final Map<String, Set<DestinationQueue>> bySite = new HashMap<>();
    /** Queues that wait for a connection slot (max_connections reached). */
    private final Set<DestinationQueue> starving = new LinkedHashSet<>();

    private boolean stopping;
    private int connections;

    DestinationQueues(
            DeliverySettings settings,
            ReentrantLock lock,
            Clock clock,
            SiteGates gates,
            Supplier<SiteShaping> shaping,
            Consumer<DestinationQueue> startWorker) {
        this.settings = settings;
        this.lock = lock;
        this.clock = clock;
        this.gates = gates;
        this.shaping = shaping;
        this.startWorker = startWorker;
    }

    /** The queues of a site. Under the lock. */
    Collection<DestinationQueue> ofSite(String site) {
        Set<DestinationQueue> s = bySite.get(site);
        return s == null ? List.of() : s;
    }

    /** The queue's site is known (its MX answer): it counts among that site's queues from now on. Under the lock. */
    void site(DestinationQueue q, String site) {
        if (q.site != null && !q.site.equals(site)) {
            unindex(q);
        }
        q.site = site;
        bySite.computeIfAbsent(site, k -> new LinkedHashSet<>()).add(q);
    }

    private void unindex(DestinationQueue q) {
        Set<DestinationQueue> s = q.site == null ? null : bySite.get(q.site);
        if (s != null && s.remove(q) && s.isEmpty()) {
            bySite.remove(q.site);
        }
    }

    /** Queues the jobs and dispatches their queues. */
    void add(List<DeliveryJob> jobs) {
        lock.lock();
        try {
            for (DeliveryJob j : jobs) {
                queueOf(j.destination()).jobs.add(j);
            }
            for (DeliveryJob j : jobs) {
                dispatch(queues.get(j.destination()));
            }
        } finally {
            lock.unlock();
        }
    }

    /** The queue of a destination, made when it has none. Under the lock. */
    DestinationQueue queueOf(Destination d) {
        return queues.computeIfAbsent(d, this::newQueue);
    }

    /** The queue of a destination if it has one. Under the lock. */
    DestinationQueue existing(Destination d) {
        return queues.get(d);
    }

    /** Open connections (workers). */
    int connections() {
        lock.lock();
        try {
            return connections;
        } finally {
            lock.unlock();
        }
    }

    boolean isStopping() {
        lock.lock();
        try {
            return stopping;
        } finally {
            lock.unlock();
        }
    }

    /** Stops handing out jobs: the unstarted ones are returned, idle workers woken to end. */
    List<DeliveryJob> stop() {
        List<DeliveryJob> unstarted = new ArrayList<>();
        lock.lock();
        try {
            stopping = true;
            for (DestinationQueue q : queues.values()) {
                unstarted.addAll(q.jobs);
                q.jobs.clear();
                q.arrived.signalAll();
            }
            starving.clear();
        } finally {
            lock.unlock();
        }
        return unstarted;
    }

    /** Wakes idle workers of the queue and starts new ones while limits allow. Under the lock. */
    void dispatch(DestinationQueue q) {
        if (q != null && q.jobs.isEmpty()) {
            starving.remove(q);
        }
        if (stopping || q == null || q.jobs.isEmpty()) {
            return;
        }
        if (q.site != null && gates.waitNanos(q.site, clock.instant()) > 0) {
            // held by the site's rate: the timer set with the hold dispatches it again; a slot now is no use to it
            starving.remove(q);
            return;
        }
        for (int k = Math.min(q.idle, q.jobs.size()); k > 0; k--) {
            q.arrived.signal();
        }
        int need = q.jobs.size() - (q.workers - q.busy);
        if (q.site != null && gates.rateLimited(q.site)) {
            // a site held by its rates grows one connection at a time: each admission gives the next turn
            need = Math.min(need, 1);
        }
        while (need > 0 && q.workers < settings.maxConnectionsPerDestination()) {
            if (q.site != null && shaping.get().active() && !gates.roomFor(q.site)) {
                // the site's max_connections across its domains: a connection of the site that ends frees one
                gates.waitFor(q.site, q);
                return;
            }
            if (connections >= settings.maxConnections()) {
                starving.add(q);
                // idle connections elsewhere give their slots up
                for (DestinationQueue other : queues.values()) {
                    if (other != q && other.idle > 0 && (other.jobs.isEmpty() || held(other))) {
                        other.arrived.signalAll();
                    }
                }
                return;
            }
            q.workers++;
            connections++;
            if (q.site != null) {
                gates.opened(q.site);
            }
            need--;
            startWorker.accept(q);
        }
        starving.remove(q);
    }

    /** Whether a queue other than this one waits for a connection slot. */
    private boolean othersStarve(DestinationQueue q) {
        return starving.size() > (starving.contains(q) ? 1 : 0);
    }

    /** Whether the queue has jobs its site's rate holds back now. */
    private boolean held(DestinationQueue q) {
        return q.site != null && !q.jobs.isEmpty() && gates.waitNanos(q.site, clock.instant()) > 0;
    }

    /**
     * The next job for a worker of the queue; null when the worker is to end.
     *
     * @param doneWithOne whether the worker held a job until now (it counted as busy)
     * @param sessionOpen whether it has a session that may carry another job: then it waits up to
     *     its idle time for one
     */
    DeliveryJob nextJob(DestinationQueue q, boolean doneWithOne, boolean sessionOpen) {
        lock.lock();
        try {
            if (doneWithOne) {
                q.busy--;
            }
            return takeJob(q, sessionOpen);
        } finally {
            lock.unlock();
        }
    }

    private DeliveryJob takeJob(DestinationQueue q, boolean sessionOpen) {
        long idleNanos = q.idle().toNanos();
        // mail that waits for the site's rate is not idleness: the connection stays open for it, up to a bound
        long heldNanos = Math.max(idleNanos, HELD_OPEN.toNanos());
        while (true) {
            if (stopping) {
                return null;
            }
            // over the site's rate: no job until the hold ends, the connection waits open
            long hold = q.site == null || q.jobs.isEmpty() ? 0 : gates.waitNanos(q.site, clock.instant());
            DeliveryJob j = hold > 0 ? null : q.jobs.poll();
            if (j != null) {
                q.busy++;
                if (q.jobs.isEmpty()) {
                    starving.remove(q);
                }
                return j;
            }
            long wait = hold > 0 ? heldNanos : idleNanos;
            if (!sessionOpen || wait <= 0) {
                return null;
            }
            // another queue waits for a slot: an idle connection gives its slot up, and so does one held by its
            // site's rate, unless the hold ends soon and no other connection of the queue waits for it
            if (othersStarve(q) && (hold <= 0 || hold > SHORT_HOLD.toNanos() || q.idle > 0)) {
                return null;
            }
            q.idle++;
            try {
                // while held, the hold's timer or an admitted worker signals one waiting worker at a time
                long left = q.arrived.awaitNanos(wait);
                if (hold > 0) {
                    heldNanos = left;
                } else {
                    idleNanos = left;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            } finally {
                q.idle--;
            }
        }
    }

    /**
     * The destination could not be reached. When other workers still serve it, the job goes back to
     * them; otherwise this job and every queued one for the destination are to get the failure.
     */
    DestinationWorker.JobOutcome unreachable(DestinationQueue q, DeliveryJob job, DeliveryFailure f) {
        List<DeliveryJob> all = new ArrayList<>();
        all.add(job);
        lock.lock();
        try {
            if (q.workers > 1 && !stopping) {
                q.jobs.addFirst(job);
                q.arrived.signal();
                return new DestinationWorker.HandedBack();
            }
            all.addAll(q.jobs);
            q.jobs.clear();
            starving.remove(q);
        } finally {
            lock.unlock();
        }
        return new DestinationWorker.Unreachable(f, all);
    }

    /** A worker has ended (its session closed): frees its slot and gives it to a queue that waits for one. */
    void workerEnded(DestinationQueue q, boolean heldJob) {
        lock.lock();
        try {
            if (heldJob) {
                q.busy--;
            }
            q.workers--;
            connections--;
            List<DestinationQueue> waitingForSite = q.site == null ? List.of() : gates.closed(q.site);
            if (q.workers == 0 && q.jobs.isEmpty() && queues.get(q.destination) == q) {
                queues.remove(q.destination);
                unindex(q);
                starving.remove(q);
            }
            if (q.workers == 0 && !q.jobs.isEmpty()) {
                dispatch(q);
            }
            for (DestinationQueue s : List.copyOf(starving)) {
                dispatch(s);
            }
            for (DestinationQueue w : waitingForSite) {
                dispatch(w);
            }
        } finally {
            lock.unlock();
        }
    }

    private DestinationQueue newQueue(Destination d) {
        DestinationQueue q = new DestinationQueue(d, lock.newCondition(), settings.connectionIdle(), gates::limits);
        SiteShaping s = shaping.get();
        if (SiteShaping.applies(d) && s.active()) {
            String cached = s.cachedSite(d.name());
            site(q, cached == null ? d.name() : cached);
        }
        return q;
    }
}
