package org.karavel.delivery.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.List;
import org.karavel.api.maillog.MailLogLine;
import org.karavel.api.queue.Spool;
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
    sealed interface JobOutcome permits Completed, Stale, HandedBack, Unreachable, Cancelled {}

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

    private final DeliveryScheduler scheduler;
    private final DeliveryScheduler.DestinationQueue queue;
    private final Transport transport;
    private final DeliverySettings settings;
    private final Spool spool;
    private final Clock clock;
    /** The open session, if any; only this worker's thread uses it. */
    private Transport.Session session;
    /** Jobs delivered over the open session. */
    private int onSession;

    DestinationWorker(
            DeliveryScheduler scheduler,
            DeliveryScheduler.DestinationQueue queue,
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
                    scheduler.complete(job, c.results());
                } else if (outcome instanceof Unreachable u) {
                    DeliveryFailure f = u.failure();
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
                session = transport.open(queue.destination);
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

    /** Whether the open session may carry another job. */
    private boolean sessionHasRoom() {
        return session != null && session.isReusable() && onSession < settings.maxMessagesPerConnection();
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
