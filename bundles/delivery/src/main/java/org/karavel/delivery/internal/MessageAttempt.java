package org.karavel.delivery.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.karavel.api.queue.QueuedMessage;

/**
 * One delivery attempt of one message, split into jobs per destination. The spool is updated once,
 * when the last job is done, so a message's state changes in one step.
 */
final class MessageAttempt {
    private final QueuedMessage message;
    private final Instant started;
    private final Map<Integer, RecipientResult> results = new TreeMap<>();
    /** Completes once the attempt's outcome is written (or failed to be): the message is free again. */
    private final CompletableFuture<Void> settled = new CompletableFuture<>();

    private int outstanding;
    private boolean aborted;
    private int suspended;
    /** Whether the message has more Received: fields than hopcount_limit; null until counted. */
    private Boolean tooManyHops;

    MessageAttempt(QueuedMessage message, Instant started) {
        this.message = message;
        this.started = started;
    }

    QueuedMessage message() {
        return message;
    }

    Instant started() {
        return started;
    }

    /**
     * Counts the hops once per attempt (the first job asks; the others get the same answer). The count
     * reads the queue file outside the lock: two jobs at once may both count, never wait on each other.
     */
    boolean tooManyHops(BooleanSupplier count) {
        Boolean known;
        synchronized (this) {
            known = tooManyHops;
        }
        if (known != null) {
            return known;
        }
        boolean counted = count.getAsBoolean();
        synchronized (this) {
            tooManyHops = counted;
        }
        return counted;
    }

    private Set<String> suspendedDomains = Set.of();

    /** Recipients left out because the operator suspended their domain. */
    synchronized void suspended(int n) {
        suspended = n;
    }

    synchronized int suspended() {
        return suspended;
    }

    /** The suspended domains whose recipients this attempt left out. */
    synchronized void suspendedDomains(Set<String> domains) {
        suspendedDomains = Set.copyOf(domains);
    }

    synchronized Set<String> suspendedDomains() {
        return suspendedDomains;
    }

    private Instant postponedUntil;
    private final Map<Integer, String> sites = new TreeMap<>();

    /** A job of this attempt went to a suspended site: its recipients wait until then, no attempt counted. */
    synchronized void postpone(Instant until) {
        if (postponedUntil == null || until.isAfter(postponedUntil)) {
            postponedUntil = until;
        }
    }

    /**
     * When the recipients that waited should be looked at again: the latest end of the suspensions
     * that held jobs back, or the earliest retry time of a rate that held some (then the suspended
     * ones are postponed again, still without an attempt counted); null when none waited.
     */
    synchronized Instant postponedUntil() {
        if (heldUntil == null) {
            return postponedUntil;
        }
        return postponedUntil == null || heldUntil.isBefore(postponedUntil) ? heldUntil : postponedUntil;
    }

    private Instant heldUntil;

    /** Recipients of this attempt wait for a rate limit (a source's) until then: the earliest counts. */
    synchronized void holdUntil(Instant until) {
        if (until != null && (heldUntil == null || until.isBefore(heldUntil))) {
            heldUntil = until;
        }
    }

    /** The traffic-shaping site the job's recipients went to (for the mail log and metrics). */
    synchronized void site(DeliveryJob job, String site) {
        for (int i : job.indexes()) {
            sites.put(i, site);
        }
    }

    /** The site of the recipient at this index, or null when it was not shaped. */
    synchronized String site(int index) {
        return sites.get(index);
    }

    CompletableFuture<Void> settled() {
        return settled;
    }

    synchronized void expectJobs(int n) {
        outstanding = n;
    }

    /** Records a job's results; true when it was the last job. */
    synchronized boolean complete(List<RecipientResult> jobResults) {
        for (RecipientResult r : jobResults) {
            results.put(r.index(), r);
        }
        return --outstanding == 0;
    }

    /** A job that did not run (or was cut off) because delivery is stopping; true when it was the last. */
    synchronized boolean cancel() {
        aborted = true;
        return --outstanding == 0;
    }

    synchronized boolean aborted() {
        return aborted;
    }

    synchronized List<RecipientResult> results() {
        return new ArrayList<>(results.values());
    }
}
