package org.karavel.delivery.internal;

import java.io.IOException;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
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
    /**
     * Time between two scans per message in flight: with much mail in flight (held for its sites' rates),
     * one scan serves the wake-ups of many new messages rather than one each. At most {@link #MAX_SCAN_GAP},
     * the longest new mail waits for a scan. (Scans no longer step over mail in flight: it is set aside.)
     */
    static final long SCAN_GAP_NANOS_PER_IN_FLIGHT = 100_000;

    static final Duration MAX_SCAN_GAP = Duration.ofMillis(250);

    private final DeliverySettings settings;
    private final Spool spool;
    private final Supplier<MailDomains> domains;
    /** As last seen by a scan, since when, and whether the long wait was told (only the scan thread uses them). */
    private boolean domainsWereKnown = true;

    private long waitingSince;
    private boolean warnedWaiting;
    private static final Duration DOMAINS_WAIT_WARNING = Duration.ofSeconds(60);

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
    /** The destination queues and connection slots; guarded by the lock. */
    private final DestinationQueues queues;
    /** Mail of held sites left in the spool until its turn; guarded by the lock. */
    private final HeldMail heldMail;

    private boolean wakeRequested;
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
        this.queues = new DestinationQueues(
                settings,
                lock,
                clock,
                gates,
                () -> shaping,
                q -> workers.execute(
                        new DestinationWorker(this, q, transports.of(q.destination), settings, spool, clock)));
        this.heldMail = new HeldMail(gates, () -> shaping);
        shaping(SiteShaping.NONE);
    }

    /** Where the message events go (the events service, if one runs). */
    void events(MessageEventsOut out) {
        recorder.events(out);
    }

    /** Traffic shaping (sites, limits, reactions); before {@link #start}. */
    void shaping(SiteShaping s) {
        this.shaping = s;
        this.admission = new SiteAdmission(s, mx, gates, lock, timer, clock, queues::dispatch, queues);
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
        for (DeliveryJob j : queues.stop()) {
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
            // attempts that never settled (cut off, or a write that did not end) are due again for the next start
            for (QueueId id : inFlight.keySet()) {
                spool.putBack(id);
            }
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
        return queues.connections();
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
        long lastScan = System.nanoTime();
        while (running) {
            lock.lock();
            try {
                long nanos = settings.scanInterval().toNanos();
                while (!wakeRequested && running && nanos > 0) {
                    nanos = wake.awaitNanos(nanos);
                }
                long gap = Math.min(MAX_SCAN_GAP.toNanos(), inFlight.size() * SCAN_GAP_NANOS_PER_IN_FLIGHT);
                long left = lastScan + gap - System.nanoTime();
                while (running && left > 0) {
                    // the wake-ups meanwhile are served by this one scan
                    left = wake.awaitNanos(left);
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
            lastScan = System.nanoTime();
            try {
                scan();
            } catch (RuntimeException e) {
                LOG.warn("delivery scan failed", e);
            }
        }
    }

    private void scan() {
        int room = MAX_IN_FLIGHT - inFlight.size();
        if (room <= 0 || !domainsKnown()) {
            return;
        }
        Instant now = clock.instant();
        lock.lock();
        try {
            heldMail.forgetPast(now);
        } finally {
            lock.unlock();
        }
        // in flight is set aside in the spool until settled; those taken since this scan's last read are skipped unread
        int ask = Math.min(room, SCAN_BATCH);
        List<QueuedMessage> due = spool.due(now, ask, inFlight::containsKey);
        int started = 0;
        for (QueuedMessage m : due) {
            if (!running || inFlight.size() >= MAX_IN_FLIGHT) {
                break;
            }
            if (inFlight.containsKey(m.id())) {
                // being delivered: the spool still lists it as due until its attempt is recorded
                continue;
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
            // out of the spool's schedule until its attempt is recorded: later scans do not step over it (set
            // before begin, whose attempt may settle at once)
            spool.setAside(m.id());
            try {
                begin(attempt);
            } catch (RuntimeException e) {
                LOG.warn("{}: cannot start delivery: {}", m.id(), e.toString());
                inFlight.remove(m.id());
                spool.putBack(m.id());
            }
        }
        if (started > 0 && due.size() >= ask) {
            // there may be more due than one scan takes
            wakeUp();
        }
    }

    /**
     * Whether the local domains are known (the relay bundle's service is there). Until they are,
     * nothing is taken for delivery: mail for a local domain would go to its MX, and bounce.
     */
    private boolean domainsKnown() {
        boolean known = domains.get() != null;
        long now = System.nanoTime();
        if (known != domainsWereKnown) {
            domainsWereKnown = known;
            waitingSince = now;
            warnedWaiting = false;
            if (known) {
                LOG.info("local domains known: delivery goes on");
            } else {
                // usual for a moment at start-up, when delivery starts before the relay bundle
                LOG.info("no local domains service yet (org.karavel.relay): delivery waits for it");
            }
        } else if (!known && !warnedWaiting && now - waitingSince > DOMAINS_WAIT_WARNING.toNanos()) {
            warnedWaiting = true;
            LOG.warn(
                    "no local domains service for {} s: nothing is delivered until org.karavel.relay runs",
                    DOMAINS_WAIT_WARNING.toSeconds());
        }
        return known;
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
            Routing.Leaving leaving = routing.from(m, g.getKey(), spool);
            Destination d = leaving.destination();
            List<Integer> indexes = g.getValue();
            if (d == null) {
                // every source of the pool is over its limit: the recipients wait, no attempt counted, until
                // the limiter's retryAt of the first to have room (the spool's schedule is the timer)
                waiting += indexes.size();
                attempt.holdUntil(leaving.waitUntil());
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
        Instant turn = heldUntil(jobs, attempt.started());
        if (turn != null) {
            // its sites are held and have enough queued: it waits in the spool for its turn, no attempt counted
            attempt.postpone(turn);
            jobs.clear();
        }
        attempt.expectJobs(jobs.size());
        if (jobs.isEmpty()) {
            settle(attempt);
            return;
        }
        queues.add(jobs);
    }

    private Instant heldUntil(List<DeliveryJob> jobs, Instant now) {
        lock.lock();
        try {
            return heldMail.turnOf(jobs, queues, now);
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

    // ---- what the workers ask (see DestinationWorker) ----

    /** The next job for a worker of the queue; null when the worker is to end (see {@link DestinationQueues}). */
    DeliveryJob nextJob(DestinationQueue q, boolean doneWithOne, boolean sessionOpen) {
        return queues.nextJob(q, doneWithOne, sessionOpen);
    }

    /** The destination could not be reached: handed back to other workers, or failed with every queued job. */
    DestinationWorker.JobOutcome unreachable(DestinationQueue q, DeliveryJob job, DeliveryFailure f) {
        return queues.unreachable(q, job, f);
    }

    /** Whether the scheduler is stopping: workers take no new job, cut-off attempts record nothing. */
    boolean isStopping() {
        return queues.isStopping();
    }

    /** A worker has ended (its session closed): frees its slot for a queue that waits for one. */
    void workerEnded(DestinationQueue q, boolean heldJob) {
        queues.workerEnded(q, heldJob);
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
            // scheduled again as it is when nothing was written (an aborted attempt, a failed write)
            spool.putBack(id);
            pendingWrites.remove(w);
            // a resume while this attempt put suspended recipients off is undone by the write above
            // (it sets the next attempt later): look again, so a resumed domain's mail goes at once
            if (e == null && attempt.suspendedDomains().stream().anyMatch(d -> !suspensions.isSuspended(d))) {
                spool.flush(id);
            }
            attempt.settled().complete(null);
        });
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
