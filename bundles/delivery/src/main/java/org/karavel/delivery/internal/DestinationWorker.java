package org.karavel.delivery.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.karavel.api.maillog.MailLogLine;
import org.karavel.api.queue.Spool;
import org.karavel.api.shaping.ConnectionSlots.Slot;
import org.karavel.api.shaping.RateLimiter.Admission;
import org.karavel.api.shaping.ShapingAction;
import org.karavel.api.shaping.ShapingAction.Kind;
import org.karavel.api.shaping.SiteLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's worth of delivery to one destination, on its own thread: takes the destination's
 * jobs one after the other, opens a session when it needs one and keeps it for the next job while it
 * is reusable. Each job's attempt ends in one {@link JobOutcome}, which the loop acts on; the queue
 * bookkeeping (which job is next, connection slots) stays with the {@link DeliveryScheduler}.
 */
final class DestinationWorker implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(DestinationWorker.class);

    /** What became of one attempt of a job. */
    sealed interface JobOutcome permits Completed, Stale, HandedBack, Unreachable, Cancelled, Postponed, Refused {}

    /**
     * A result for every recipient of the job (sent, deferred or bounced, whether by the next hop or
     * decided here): recorded, and the worker goes on.
     */
    record Completed(List<RecipientResult> results) implements JobOutcome {}

    /**
     * The reused connection turned out dead before anything was sent: the job is tried again on a new
     * one. Never the outcome of a whole attempt (see {@link DestinationWorker#attempt}).
     */
    record Stale(String reason) implements JobOutcome {}

    /**
     * The destination could not be reached, but other workers still serve it: the job went back to the
     * front of its queue for them, and this worker ends.
     */
    record HandedBack() implements JobOutcome {}

    /**
     * The destination could not be reached and no other worker serves it: the job and every job that
     * was queued for the destination (taken from the queue) get the failure, as they would all fail the
     * same way.
     */
    record Unreachable(DeliveryFailure failure, List<DeliveryJob> jobs) implements JobOutcome {}

    /**
     * Delivery is stopping (interrupted while connecting, or the connection was cut off by the stop):
     * nothing is recorded, the message stays due (a duplicate at worst), and this worker ends.
     */
    record Cancelled() implements JobOutcome {}

    /**
     * The job's site is suspended (a reaction to a remote reply): its recipients wait, without an
     * attempt counted and without a bounce, until the suspension ends.
     */
    record Postponed(Instant until) implements JobOutcome {}

    /**
     * The site's rate budget refused the job: it went back to its queue, held until the limiter's
     * retryAt; the worker goes on (it may keep its connection open meanwhile).
     */
    record Refused() implements JobOutcome {}

    private final DeliveryScheduler scheduler;
    private final DestinationQueue queue;
    private final Transport transport;
    private final DeliverySettings settings;
    private final Spool spool;
    private final Clock clock;
    /** The open session, if any; only this worker's thread uses it. */
    private Transport.Session session;
    /** Jobs delivered over the open session. */
    private int onSession;
    /** The site of the destination and its limits, as read for the last job; null when not shaped. */
    private String site;

    private SiteLimits limits;
    /** This worker's slot of its site's max_connections in the fleet, from its first connection to its end. */
    private Slot fleetSlot;

    private String fleetSlotSite;

    DestinationWorker(
            DeliveryScheduler scheduler,
            DestinationQueue queue,
            Transport transport,
            DeliverySettings settings,
            Spool spool,
            Clock clock) {
        this.scheduler = scheduler;
        this.queue = queue;
        this.transport = transport;
        this.settings = settings;
        this.spool = spool;
        this.clock = clock;
    }

    @Override
    public void run() {
        // the job this worker holds (counted busy in its queue) until it asks for the next one
        DeliveryJob job = null;
        try {
            while ((job = scheduler.nextJob(queue, job != null, sessionHasRoom())) != null) {
                JobOutcome outcome = attempt(job);
                if (outcome instanceof Completed c) {
                    scheduler.complete(job, react(job, c.results()));
                } else if (outcome instanceof Postponed p) {
                    scheduler.postpone(job, p.until());
                } else if (outcome instanceof Refused) {
                    continue;
                } else if (outcome instanceof Unreachable u) {
                    DeliveryFailure f = u.failure();
                    reactTo(job, f.reply(), f.relay());
                    for (DeliveryJob j : u.jobs()) {
                        scheduler.complete(
                                j,
                                j.all(f.outcome(), f.status(), f.reply(), f.remoteHost(), f.relay(), f.tls(), clock));
                    }
                    if (Thread.currentThread().isInterrupted()) {
                        return;
                    }
                } else if (outcome instanceof Cancelled) {
                    scheduler.cancel(job);
                    return;
                } else if (outcome instanceof HandedBack) {
                    return;
                } else {
                    throw new IllegalStateException("an attempt ended " + outcome);
                }
            }
        } finally {
            closeSession();
            giveFleetSlotBack();
            scheduler.workerEnded(queue, job != null);
        }
    }

    /**
     * Attempts one job: bounced at once when the message has looped too often, otherwise delivered on
     * the open session or a new one, and once more on a new one when the open session was stale.
     */
    private JobOutcome attempt(DeliveryJob job) {
        if (tooManyHops(job)) {
            // already queued in a loop (the smtp bundle refuses such mail at end of data): bounce it
            return new Completed(job.all(
                    RecipientResult.Outcome.BOUNCED,
                    "5.4.6",
                    "554 5.4.6 Too many hops (more than " + settings.hopcountLimit() + " Received: header fields)",
                    "",
                    MailLogLine.RELAY_NONE,
                    clock));
        }
        if (SiteShaping.applies(queue.destination)
                && scheduler.admission().shaping().active()) {
            JobOutcome held = admit(job);
            if (held != null) {
                return held;
            }
        }
        if (session != null && !sessionHasRoom()) {
            closeSession();
        }
        JobOutcome first = deliverOnSession(job);
        if (!(first instanceof Stale s)) {
            return first;
        }
        LOG.debug("{}: {}", queue.destination, s.reason());
        JobOutcome second = deliverOnSession(job);
        if (second instanceof Stale again) {
            LOG.debug("{}: {}", queue.destination, again.reason());
            return new Completed(job.all(
                    RecipientResult.Outcome.DEFERRED,
                    "4.4.2",
                    "cached connections lost twice in a row",
                    "",
                    MailLogLine.RELAY_NONE,
                    clock));
        }
        return second;
    }

    /** Delivers the job on the open session, opening one first when there is none. */
    private JobOutcome deliverOnSession(DeliveryJob job) {
        if (session == null) {
            try {
                // the site's connect_timeout and tls mode apply to the new connection
                session = transport.open(queue.destination, limits);
                onSession = 0;
            } catch (DeliveryFailure f) {
                return scheduler.unreachable(queue, job, f);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Cancelled();
            }
        }
        List<RecipientResult> results;
        try {
            results = session.deliver(job);
            onSession++;
        } catch (Transport.StaleSessionException e) {
            session = null;
            return new Stale(e.getMessage());
        } catch (RuntimeException e) {
            // a bug must not lose the message: it stays pending and is tried again later
            LOG.error("{}: delivery to {} failed", job.message().id(), queue.destination, e);
            closeSession();
            return new Completed(job.all(
                    RecipientResult.Outcome.DEFERRED,
                    "4.3.0",
                    "451 4.3.0 internal error: " + e,
                    "",
                    MailLogLine.RELAY_NONE,
                    clock));
        }
        if (!session.isReusable() && scheduler.isStopping()) {
            // cut off by the stop: nothing is recorded, the message stays due (a duplicate at worst)
            return new Cancelled();
        }
        return new Completed(results);
    }

    /** Whether the open session may carry another job: the site's max_deliveries_per_connection, else delivery's. */
    private boolean sessionHasRoom() {
        int max = limits != null && limits.maxDeliveriesPerConnection() > 0
                ? limits.maxDeliveriesPerConnection()
                : settings.maxMessagesPerConnection();
        return session != null && session.isReusable() && onSession < max;
    }

    /**
     * Traffic shaping before the job is sent: the destination's site and its limits now, then a
     * suspension, the connection budget (before a new connection) and the message budget. The
     * limiter is asked here, on the worker, never under the scheduler's lock.
     *
     * @return null when the job may go, else what became of it
     */
    private JobOutcome admit(DeliveryJob job) {
        SiteAdmission admission = scheduler.admission();
        Instant now = clock.instant();
        try {
            site = admission.siteOf(queue.destination, now);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Cancelled();
        }
        limits = admission.shaping().limits(site, now);
        if (!admission.siteKnown(queue, job, site, limits, session != null)) {
            return new HandedBack();
        }
        job.attempt().site(job, site);
        if (limits.isSuspended(now)) {
            closeSession();
            return new Postponed(limits.suspendedUntil());
        }
        if (session == null && !holdsFleetSlot()) {
            giveFleetSlotBack();
            // a round trip to the shared store, if one runs: the site's max_connections across the fleet
            Optional<Slot> slot = admission.shaping().fleetSlot(limits, now);
            if (slot.isEmpty()) {
                admission.fleetFull(queue, job);
                return new HandedBack();
            }
            fleetSlot = slot.get();
            fleetSlotSite = site;
        }
        Admission a = session == null ? admission.shaping().admitConnection(limits, now) : Admission.admittedAt(now);
        if (a.admitted()) {
            a = admission.shaping().admitMessage(limits, now);
        }
        if (!a.admitted()) {
            admission.refused(queue, job, a.retryAt());
            return new Refused();
        }
        admission.shaping().rates.sent(site, now);
        if (limits.maxMessageRate() != null || limits.maxConnectionRate() != null) {
            // when the limiter tells when the next message may go, nobody asks before then
            admission.admitted(site, a.retryAt());
        }
        return null;
    }

    /**
     * Lets the shaping reactions look at each remote failure of the job: an action they start is
     * written to the mail log; a bounce action bounces that recipient; a suspension ends the session.
     */
    private List<RecipientResult> react(DeliveryJob job, List<RecipientResult> results) {
        if (site == null) {
            return results;
        }
        List<RecipientResult> out = new ArrayList<>(results.size());
        for (RecipientResult r : results) {
            Kind k = r.outcome() == RecipientResult.Outcome.DELIVERED ? null : reactTo(job, r.reply(), r.relay());
            if (k == Kind.BOUNCE && r.outcome() == RecipientResult.Outcome.DEFERRED) {
                String status = r.status().startsWith("4") ? "5" + r.status().substring(1) : r.status();
                r = new RecipientResult(
                        r.index(),
                        r.recipient(),
                        RecipientResult.Outcome.BOUNCED,
                        status,
                        r.reply(),
                        r.remoteHost(),
                        r.relay(),
                        r.at(),
                        r.tls());
            }
            out.add(r);
        }
        return out;
    }

    /** The kind of the action a remote reply set off on the site, or null (none, or not a remote reply). */
    private Kind reactTo(DeliveryJob job, String reply, String relay) {
        if (site == null || reply == null || reply.isEmpty() || MailLogLine.RELAY_NONE.equals(relay)) {
            return null;
        }
        Optional<ShapingAction> a = scheduler.admission().shaping().react(site, reply, clock.instant());
        if (a.isEmpty()) {
            return null;
        }
        ShapingAction x = a.get();
        String limit = x.kind() == Kind.RATE
                ? String.valueOf(x.rate())
                : x.kind() == Kind.CONNECTIONS ? Integer.toString(x.connections()) : null;
        MailLog.log(MailLogLine.shaping(
                job.message().id(), site, x.kind().word(), limit, x.kind() == Kind.BOUNCE ? null : x.until(), reply));
        if (x.kind() == Kind.SUSPEND) {
            closeSession();
        }
        return x.kind();
    }

    /** Whether the worker holds a slot of its site in the fleet now (one that is shared: asking for the others costs nothing). */
    private boolean holdsFleetSlot() {
        return fleetSlot != null && fleetSlot != SiteShaping.UNSHARED && site.equals(fleetSlotSite);
    }

    private void giveFleetSlotBack() {
        Slot s = fleetSlot;
        fleetSlot = null;
        if (s != null && s != SiteShaping.UNSHARED) {
            s.close();
            scheduler.admission().fleetSlotFreed(fleetSlotSite);
        }
    }

    private void closeSession() {
        if (session != null) {
            session.close();
            session = null;
        }
    }

    /** Whether the message has passed more MTAs than hopcount_limit; read once per attempt. */
    private boolean tooManyHops(DeliveryJob job) {
        return job.attempt().tooManyHops(() -> {
            try (InputStream in =
                    new BufferedInputStream(spool.openContent(job.message().id()))) {
                return HopCount.received(in) > settings.hopcountLimit();
            } catch (IOException e) {
                // the transport meets the same read error and defers the message
                return false;
            }
        });
    }
}
