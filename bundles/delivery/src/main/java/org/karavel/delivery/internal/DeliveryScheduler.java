package org.karavel.delivery.internal;

import java.io.IOException;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.karavel.api.address.MailAddress;
import org.karavel.api.dns.Resolver;
import org.karavel.api.domain.MailDomains;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.api.queue.Spool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery core. One scheduler thread takes due messages from the spool and splits their
 * pending recipients into jobs per destination; worker threads ({@link DestinationWorker}, one per
 * open connection, at most max_connections, at most max_connections_per_destination per destination)
 * deliver the jobs, several per connection, and keep a connection idle for a while for more mail to
 * the same place. The scheduler owns the destination queues and the connection slots; it never does
 * network I/O.
 */
final class DeliveryScheduler {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryScheduler.class);
    /** Messages being delivered at once, at most (bounds memory, as Postfix's qmgr_message_active_limit). */
    static final int MAX_IN_FLIGHT = 10_000;
    /** Messages taken from the spool per scan, at most. */
    static final int SCAN_BATCH = 1000;
    /** Recipients per transaction, at most (Postfix's smtp_destination_recipient_limit is 50). */
    static final int MAX_RECIPIENTS_PER_TRANSACTION = 50;

    private final DeliverySettings settings;
    private final Spool spool;
    private final Supplier<MailDomains> domains;
    private final Clock clock;
    private final Transports transports;
    private final Routing routing;
    private final AttemptRecorder recorder;
    private final ScheduledThreadPoolExecutor timer;
    private final ThreadPoolExecutor workers;
    private final Set<Socket> openSockets = ConcurrentHashMap.newKeySet();
    private final Map<QueueId, MessageAttempt> inFlight = new ConcurrentHashMap<>();
    private final Set<CompletableFuture<Void>> pendingWrites = ConcurrentHashMap.newKeySet();
    private final Runnable listener = this::wakeUp;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final Map<Destination, DestinationQueue> queues = new HashMap<>();
    private final Set<DestinationQueue> starving = new LinkedHashSet<>();
    private boolean wakeRequested;
    private boolean stopping;
    private int connections;
    private volatile boolean running;
    private Thread schedulerThread;

    private final DomainSuspensions suspensions;
    /** Sites, their limits and budgets; set before start. */
    private volatile SiteShaping shaping = SiteShaping.NONE;
    /** Per-site connections and holds; guarded by the lock. */
    private final SiteGates gates = new SiteGates();

    private final MxLookup mx;
    private volatile SiteAdmission admission;
    private final DeliveryCounters counters;
    /** Messages the operator is bouncing: the scan leaves them alone. */
    private final Set<QueueId> held = ConcurrentHashMap.newKeySet();

    DeliveryScheduler(
            DeliverySettings settings,
            Spool spool,
            Resolver resolver,
            Supplier<MailDomains> domains,
            OutboundServices outbound,
            Connector connector,
            Clock clock) {
        this(
                settings,
                spool,
                resolver,
                domains,
                outbound,
                connector,
                clock,
                new DomainSuspensions(),
                new DeliveryCounters(),
                Myself.NOBODY);
    }

    DeliveryScheduler(
            DeliverySettings settings,
            Spool spool,
            Resolver resolver,
            Supplier<MailDomains> domains,
            OutboundServices outbound,
            Connector connector,
            Clock clock,
            DomainSuspensions suspensions,
            DeliveryCounters counters) {
        this(settings, spool, resolver, domains, outbound, connector, clock, suspensions, counters, Myself.NOBODY);
    }

    /** @param myself which next hops are this server: delivery never connects to them */
    DeliveryScheduler(
            DeliverySettings settings,
            Spool spool,
            Resolver resolver,
            Supplier<MailDomains> domains,
            OutboundServices outbound,
            Connector connector,
            Clock clock,
            DomainSuspensions suspensions,
            DeliveryCounters counters,
            Myself myself) {
        this(
                settings,
                spool,
                resolver,
                domains,
                outbound,
                connector,
                clock,
                suspensions,
                counters,
                myself,
                Routing.of(settings));
    }

    /** @param routing the transport table and the sending addresses */
    DeliveryScheduler(
            DeliverySettings settings,
            Spool spool,
            Resolver resolver,
            Supplier<MailDomains> domains,
            OutboundServices outbound,
            Connector connector,
            Clock clock,
            DomainSuspensions suspensions,
            DeliveryCounters counters,
            Myself myself,
            Routing routing) {
        this.routing = routing;
        this.suspensions = suspensions;
        this.counters = counters;
        this.settings = settings;
        this.spool = spool;
        this.domains = domains;
        this.clock = clock;
        this.timer = new ScheduledThreadPoolExecutor(1, threads("karavel-delivery-timer"));
        timer.setRemoveOnCancelPolicy(true);
        this.workers = new ThreadPoolExecutor(
                0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), threads("karavel-delivery"));
        MxLookup mx = new MxLookup(resolver, SmtpTransport.dnsTimeout(settings), settings.addressFamilies());
        this.mx = mx;
        this.transports = new Transports(
                settings, spool, mx, connector, timer, clock, openSockets, outbound, counters, myself, routing);
        // the DSNs return the header section without X-Karavel-Pool too
        this.recorder = new AttemptRecorder(settings, transports.spool(), clock, counters);
        shaping(SiteShaping.NONE);
    }

    /** Where the message events go (the events service, if one runs). */
    void events(MessageEventsOut out) {
        recorder.events(out);
    }

    /** Traffic shaping (sites, limits, reactions); before {@link #start}. */
    void shaping(SiteShaping s) {
        this.shaping = s;
        this.admission = new SiteAdmission(s, mx, gates, lock, timer, clock, this::dispatch, queues::values);
    }

    /** What workers ask before they send: the site, its limits and budgets. */
    SiteAdmission admission() {
        return admission;
    }

    void start() {
        running = true;
        schedulerThread = threads("karavel-delivery-scheduler").newThread(this::schedule);
        schedulerThread.start();
        spool.addListener(listener);
        wakeUp();
    }

    /**
     * Stops taking new work; running attempts may finish within {@code grace}, then their
     * connections are cut. What was not delivered stays pending in the spool.
     */
    void stop(Duration grace) {
        running = false;
        spool.removeListener(listener);
        wakeUp();
        try {
            if (schedulerThread != null) {
                schedulerThread.join(grace.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<DeliveryJob> unstarted = new ArrayList<>();
        lock.lock();
        try {
            stopping = true;
            wake.signalAll();
            for (DestinationQueue q : queues.values()) {
                unstarted.addAll(q.jobs);
                q.jobs.clear();
                q.arrived.signalAll();
            }
            starving.clear();
        } finally {
            lock.unlock();
        }
        for (DeliveryJob j : unstarted) {
            cancel(j);
        }
        try {
            workers.shutdown();
            if (!workers.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.info("delivery stopping: cutting {} connection(s) still busy", openSockets.size());
                for (Socket s : List.copyOf(openSockets)) {
                    try {
                        s.close();
                    } catch (IOException e) {
                        // closing anyway
                    }
                }
                workers.shutdownNow();
                workers.awaitTermination(2, TimeUnit.SECONDS);
            }
            CompletableFuture.allOf(pendingWrites.toArray(new CompletableFuture<?>[0]))
                    .get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("delivery stopping: spool updates not finished: {}", e.toString());
        } finally {
            timer.shutdownNow();
        }
    }

    /** Scans the spool at once (spool listener, flush). */
    void wakeUp() {
        lock.lock();
        try {
            wakeRequested = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Open connections (workers), for tests and the shell. */
    int connections() {
        lock.lock();
        try {
            return connections;
        } finally {
            lock.unlock();
        }
    }

    /** Messages being delivered now. */
    int inFlight() {
        return inFlight.size();
    }

    DomainSuspensions suspensions() {
        return suspensions;
    }

    /** Hard bounces go to this suppression list from now on. */
    void suppression(RecipientSuppression s) {
        recorder.suppression(s);
    }

    /** The bounce category of a recipient's stored last failure, empty when it has none. */
    String failureCategory(RecipientStatus recipient) {
        return recorder.failureCategory(recipient);
    }

    DeliveryCounters counters() {
        return counters;
    }

    /**
     * Bounces a message on the operator's word. A running attempt of it is let finish first (its
     * results are recorded), then what is still pending is bounced; no new attempt starts meanwhile.
     */
    CompletionStage<Boolean> bounce(QueueId id, String reason) {
        if (!held.add(id)) {
            return CompletableFuture.failedFuture(new IllegalStateException(id + " is being bounced already"));
        }
        MessageAttempt running = inFlight.get(id);
        CompletableFuture<Void> idle = running == null ? CompletableFuture.completedFuture(null) : running.settled();
        CompletableFuture<Boolean> result = idle.thenCompose(v -> {
            Optional<QueuedMessage> m = spool.get(id);
            if (m.isEmpty()) {
                return CompletableFuture.completedFuture(false);
            }
            return recorder.bounceByOperator(m.get(), reason).thenApply(x -> true);
        });
        result.whenComplete((r, e) -> held.remove(id));
        return result;
    }

    // ---- scheduler thread ----

    private void schedule() {
        while (running) {
            lock.lock();
            try {
                long nanos = settings.scanInterval().toNanos();
                while (!wakeRequested && running && nanos > 0) {
                    nanos = wake.awaitNanos(nanos);
                }
                wakeRequested = false;
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            if (!running) {
                return;
            }
            try {
                scan();
            } catch (RuntimeException e) {
                LOG.warn("delivery scan failed", e);
            }
        }
    }

    private void scan() {
        int room = MAX_IN_FLIGHT - inFlight.size();
        if (room <= 0) {
            return;
        }
        Instant now = clock.instant();
        // in flight stays due until settled: skipped unread, so a scan reads only what it may start
        int ask = Math.min(room, SCAN_BATCH);
        List<QueuedMessage> due = spool.due(now, ask, inFlight::containsKey);
        int started = 0;
        for (QueuedMessage m : due) {
            if (!running || inFlight.size() >= MAX_IN_FLIGHT) {
                break;
            }
            if (held.contains(m.id()) || !routing.ready(m, spool, this::wakeUp)) {
                continue;
            }
            MessageAttempt attempt = new MessageAttempt(m, now);
            if (inFlight.putIfAbsent(m.id(), attempt) != null) {
                continue;
            }
            // the due list was read before the slot was taken: an attempt that settled in between has
            // changed the message, and sending from the old copy would deliver its recipients twice
            QueuedMessage current = spool.get(m.id()).orElse(null);
            if (current != m && !m.equals(current)) {
                if (current == null
                        || current.isFinished()
                        || current.nextAttempt().isAfter(now)) {
                    inFlight.remove(m.id(), attempt);
                    continue;
                }
                MessageAttempt fresh = new MessageAttempt(current, now);
                inFlight.replace(m.id(), attempt, fresh);
                attempt = fresh;
            }
            started++;
            try {
                begin(attempt);
            } catch (RuntimeException e) {
                LOG.warn("{}: cannot start delivery: {}", m.id(), e.toString());
                inFlight.remove(m.id());
            }
        }
        if (started > 0 && due.size() >= ask) {
            // there may be more due than one scan takes
            wakeUp();
        }
    }

    /** Splits the pending recipients by destination and queues one job per group. */
    private void begin(MessageAttempt attempt) {
        QueuedMessage m = attempt.message();
        MailDomains md = domains.get();
        Map<Destination, List<Integer>> groups = new LinkedHashMap<>();
        int suspended = 0;
        Set<String> suspendedDomains = new HashSet<>();
        for (int i = 0; i < m.recipients().size(); i++) {
            RecipientStatus r = m.recipients().get(i);
            if (r.isPending() && suspensions.isSuspended(r.recipient().domainKey())) {
                // deferred without an attempt: the recipient stays as it is until the domain is resumed
                suspended++;
                suspendedDomains.add(r.recipient().domainKey());
            } else if (r.isPending()) {
                groups.computeIfAbsent(destinationOf(r.recipient(), md), k -> new ArrayList<>())
                        .add(i);
            }
        }
        List<DeliveryJob> jobs = new ArrayList<>();
        int waiting = 0;
        for (Map.Entry<Destination, List<Integer>> g : groups.entrySet()) {
            // the source address it leaves from (its pool's, by weight and warm-up limit)
            Destination d = routing.from(m, g.getKey(), spool);
            List<Integer> indexes = g.getValue();
            if (d == null) {
                // every source of the pool is over its limit: the recipients wait, as a suspended domain's
                waiting += indexes.size();
                continue;
            }
            for (int from = 0; from < indexes.size(); from += MAX_RECIPIENTS_PER_TRANSACTION) {
                jobs.add(new DeliveryJob(
                        attempt,
                        d,
                        indexes.subList(from, Math.min(indexes.size(), from + MAX_RECIPIENTS_PER_TRANSACTION))));
            }
        }
        attempt.suspended(suspended + waiting);
        attempt.suspendedDomains(suspendedDomains);
        attempt.expectJobs(jobs.size());
        if (jobs.isEmpty()) {
            settle(attempt);
            return;
        }
        lock.lock();
        try {
            for (DeliveryJob j : jobs) {
                DestinationQueue q = queues.computeIfAbsent(j.destination(), this::newQueue);
                q.jobs.add(j);
            }
            for (DeliveryJob j : jobs) {
                dispatch(queues.get(j.destination()));
            }
        } finally {
            lock.unlock();
        }
    }

    Destination destinationOf(MailAddress recipient, MailDomains md) {
        String domain = recipient.domainKey();
        if (md != null && md.isLocal(domain)) {
            return new Destination(
                    Destination.Kind.LOCAL,
                    settings.lmtp() != null ? settings.lmtp().toString() : "maildir");
        }
        return routing.destinationOf(domain);
    }

    // ---- destination queues (all under lock) ----

    /** Wakes idle workers of the queue and starts new ones while limits allow. */
    private void dispatch(DestinationQueue q) {
        if (q != null && q.jobs.isEmpty()) {
            starving.remove(q);
        }
        if (stopping || q == null || q.jobs.isEmpty()) {
            return;
        }
        if (q.site != null && gates.waitNanos(q.site, clock.instant()) > 0) {
            // held by the site's rate: the timer set with the hold dispatches it again
            return;
        }
        for (int k = Math.min(q.idle, q.jobs.size()); k > 0; k--) {
            q.arrived.signal();
        }
        int need = q.jobs.size() - (q.workers - q.busy);
        while (need > 0 && q.workers < settings.maxConnectionsPerDestination()) {
            if (q.site != null && shaping.active() && !gates.roomFor(q.site)) {
                // the site's max_connections across its domains: a connection of the site that ends frees one
                gates.waitFor(q.site, q);
                return;
            }
            if (connections >= settings.maxConnections()) {
                starving.add(q);
                // idle connections elsewhere give their slots up
                for (DestinationQueue other : queues.values()) {
                    if (other != q && other.idle > 0 && other.jobs.isEmpty()) {
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
            Transport transport = transports.of(q.destination);
            workers.execute(new DestinationWorker(this, q, transport, settings, spool, clock));
        }
        starving.remove(q);
    }

    /** The next job for a worker; with a session open it waits up to connection_idle for one. */
    private DeliveryJob takeJob(DestinationQueue q, boolean sessionOpen) {
        long idleNanos = q.idle().toNanos();
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
            if (!sessionOpen || idleNanos <= 0 || !starving.isEmpty()) {
                return null;
            }
            q.idle++;
            try {
                // while held, the hold's timer or an admitted worker signals one waiting worker at a time
                idleNanos = q.arrived.awaitNanos(idleNanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            } finally {
                q.idle--;
            }
        }
    }

    // ---- what the workers ask (see DestinationWorker) ----

    /**
     * The next job for a worker of the queue; null when the worker is to end.
     *
     * @param doneWithOne whether the worker held a job until now (it counted as busy)
     * @param sessionOpen whether it has a session that may carry another job: then it waits up to
     *     connection_idle for one
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

    /** Whether the scheduler is stopping: workers take no new job, cut-off attempts record nothing. */
    boolean isStopping() {
        lock.lock();
        try {
            return stopping;
        } finally {
            lock.unlock();
        }
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

    /** Records a job's results; the last job of an attempt settles it. */
    void complete(DeliveryJob job, List<RecipientResult> results) {
        if (job.attempt().complete(results)) {
            settle(job.attempt());
        }
    }

    /** The job's site is suspended: its recipients wait, without an attempt counted, until {@code until}. */
    void postpone(DeliveryJob job, Instant until) {
        job.attempt().postpone(until);
        complete(job, List.of());
    }

    /** A job that did not run or was cut off by the stop: nothing is recorded for it. */
    void cancel(DeliveryJob job) {
        if (job.attempt().cancel()) {
            settle(job.attempt());
        }
    }

    /** Writes the attempt's outcome to the spool; the message is free for the next scan afterwards. */
    private void settle(MessageAttempt attempt) {
        QueueId id = attempt.message().id();
        CompletableFuture<Void> write;
        try {
            write = recorder.record(attempt).toCompletableFuture();
        } catch (RuntimeException e) {
            write = CompletableFuture.failedFuture(e);
        }
        pendingWrites.add(write);
        CompletableFuture<Void> w = write;
        write.whenComplete((v, e) -> {
            if (e != null) {
                LOG.warn("{}: cannot record the delivery attempt: {}", id, e.toString());
            }
            inFlight.remove(id);
            pendingWrites.remove(w);
            // a resume while this attempt put suspended recipients off is undone by the write above
            // (it sets the next attempt later): look again, so a resumed domain's mail goes at once
            if (e == null && attempt.suspendedDomains().stream().anyMatch(d -> !suspensions.isSuspended(d))) {
                spool.flush(id);
            }
            attempt.settled().complete(null);
        });
    }

    private DestinationQueue newQueue(Destination d) {
        DestinationQueue q = new DestinationQueue(d, lock.newCondition(), settings.connectionIdle(), gates::limits);
        if (SiteShaping.applies(d) && shaping.active()) {
            String cached = shaping.cachedSite(d.name());
            q.site = cached == null ? d.name() : cached;
        }
        return q;
    }

    private static ThreadFactory threads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
