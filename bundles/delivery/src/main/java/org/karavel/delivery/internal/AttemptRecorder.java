package org.karavel.delivery.internal;

import static org.karavel.api.maillog.MailLogLine.RemovedBy.DELIVERY;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.karavel.api.maillog.MailLogLine;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.api.queue.RecipientStatus.State;
import org.karavel.api.queue.Spool;
import org.karavel.delivery.internal.DeliveryStatusNotification.FailedRecipient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the outcome of a finished attempt into the spool: per-recipient states, attempts and next
 * attempt, expiry, one DSN for the recipients that failed for good, and removal when nothing is
 * pending. The DSN is committed before the message is updated: a crash in between sends it twice,
 * never zero times.
 */
final class AttemptRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(AttemptRecorder.class);

    private final DeliverySettings settings;
    private final Spool spool;
    private final Clock clock;
    private final Backoff backoff;
    private final DeliveryCounters counters;
    private final BounceClassifier classifier;
    private volatile RecipientSuppression suppression = RecipientSuppression.NONE;
    private volatile MessageEventsOut events = MessageEventsOut.NONE;
    private final SenderNotifications notices;

    AttemptRecorder(DeliverySettings settings, Spool spool, Clock clock) {
        this(settings, spool, clock, new DeliveryCounters());
    }

    AttemptRecorder(DeliverySettings settings, Spool spool, Clock clock, DeliveryCounters counters) {
        this.settings = settings;
        this.spool = spool;
        this.clock = clock;
        this.backoff = new Backoff(settings.minBackoff(), settings.maxBackoff());
        this.counters = counters;
        this.classifier = new BounceClassifier(settings.bounceRules(), BounceClassifier.CHECK_INTERVAL);
        this.notices = new SenderNotifications(settings, spool, clock, counters, () -> events);
    }

    /** Where hard bounces go to suppress their recipients; {@link RecipientSuppression#NONE} by default. */
    void suppression(RecipientSuppression s) {
        this.suppression = s;
    }

    /** Where the message events go (the events service, if one runs). */
    void events(MessageEventsOut out) {
        this.events = out;
    }

    /**
     * The bounce category of a recipient's stored last failure, for the queue listing: the spool keeps
     * the reply, not the category, so the rules in force now classify it again (a remote host
     * recorded with the reply stands for the relay). Empty when the recipient has not failed.
     */
    String failureCategory(RecipientStatus r) {
        if (r.state() == State.DELIVERED || r.lastReply().isEmpty()) {
            return "";
        }
        String relay = r.remoteHost().isEmpty() ? MailLogLine.RELAY_NONE : r.remoteHost();
        return classifier
                .classify(BounceRules.enhancedCode("", r.lastReply()), r.lastReply(), relay)
                .word();
    }

    /** Records the attempt; the stage completes once the spool has the new state. */
    CompletionStage<Void> record(MessageAttempt attempt) {
        QueuedMessage m = attempt.message();
        boolean aborted = attempt.aborted();
        List<RecipientResult> results = attempt.results();
        if (aborted && results.isEmpty()) {
            // nothing was tried: the message stays as it was, due again at once
            return CompletableFuture.completedFuture(null);
        }
        if (spool.get(m.id()).isEmpty()) {
            // the operator deleted (or bounced) it meanwhile: recording would resurrect nothing, but a DSN must not go
            MailLog.log(MailLogLine.unrecorded(m.id(), results.size()));
            return CompletableFuture.completedFuture(null);
        }
        Instant now = clock.instant();
        if (results.isEmpty()) {
            // every pending recipient's domain (or site) is suspended: no attempt counted, looked at again
            // later (resuming the domain flushes it at once; a site's suspension ends at a known time)
            Instant later = now.plus(settings.minBackoff());
            Instant until = attempt.postponedUntil();
            return spool.update(m.withNextAttempt(m.attempts(), until != null && until.isAfter(now) ? until : later))
                    .exceptionally(AttemptRecorder::ignoreRemoved);
        }
        int attemptNo = m.attempts() + 1;
        boolean tooOld =
                !aborted && Duration.between(m.envelope().receivedAt(), now).compareTo(settings.maxQueueLifetime()) > 0;
        Outcomes outcomes = apply(m, results, attemptNo, tooOld, attempt);
        QueuedMessage updated = new QueuedMessage(
                m.id(),
                m.envelope(),
                outcomes.recipients,
                m.size(),
                aborted ? m.attempts() : attemptNo,
                aborted ? m.nextAttempt() : now.plus(backoff.after(attemptNo)),
                m.bounced(),
                m.delayWarned());
        return outcomes.eventsStored
                .thenCompose(v -> notifySender(m, updated, outcomes, now))
                .thenCompose(u -> notices.success(m, results).thenApply(v -> u))
                .thenCompose(u -> notices.delay(u, now).thenApply(warned -> warned ? u.withDelayWarned(true) : u))
                .thenCompose(u -> {
                    if (u.isFinished()) {
                        return spool.remove(u.id())
                                .thenAccept(removed -> MailLog.log(MailLogLine.removed(u.id(), DELIVERY)));
                    }
                    return spool.update(u).exceptionally(AttemptRecorder::ignoreRemoved);
                });
    }

    /** The recipients' states after an attempt, and those that failed for good (for the DSN). */
    private static final class Outcomes {
        final List<RecipientStatus> recipients;
        final List<FailedRecipient> failed = new ArrayList<>();
        final List<Integer> failedIndexes = new ArrayList<>();
        /** Completes once the attempt's events are stored: the spool records the attempt after them. */
        CompletionStage<Void> eventsStored;

        Outcomes(List<RecipientStatus> recipients) {
            this.recipients = new ArrayList<>(recipients);
        }

        void set(RecipientResult r, State state, String reply) {
            recipients.set(r.index(), recipients.get(r.index()).with(state, reply, r.remoteHost()));
        }

        void failed(RecipientResult r, FailedRecipient f) {
            failed.add(f);
            failedIndexes.add(r.index());
        }
    }

    /** Each result's new recipient state, counted and logged; a deferral past the queue lifetime bounces. */
    private Outcomes apply(
            QueuedMessage m, List<RecipientResult> results, int attemptNo, boolean tooOld, MessageAttempt attempt) {
        Outcomes o = new Outcomes(m.recipients());
        MessageEventsOut.Attempt published = events.attempt();
        for (RecipientResult r : results) {
            RecipientResult logged = r;
            // an expired recipient keeps the category of its last failure: the reason it never got through
            BounceCategory category = r.outcome() == RecipientResult.Outcome.DELIVERED ? null : classifier.classify(r);
            String word = category == null ? "" : category.word();
            switch (r.outcome()) {
                case DELIVERED -> o.set(r, State.DELIVERED, r.reply());
                case BOUNCED -> {
                    o.set(r, State.BOUNCED, r.reply());
                    suppression.bounced(m.id(), r, word);
                    o.failed(
                            r,
                            new FailedRecipient(
                                    r.recipient(),
                                    permanent(r.status()),
                                    r.reply(),
                                    r.remoteHost(),
                                    r.at(),
                                    false,
                                    word));
                }
                default -> {
                    if (tooOld) {
                        logged = expired(r);
                        o.set(r, State.BOUNCED, logged.reply());
                        o.failed(
                                r,
                                new FailedRecipient(
                                        r.recipient(), "5.4.7", r.reply(), r.remoteHost(), r.at(), true, word));
                    } else {
                        o.set(r, State.PENDING, r.reply());
                    }
                }
            }
            counters.count(logged.outcome());
            if (category != null) {
                counters.failure(category, logged.outcome() == RecipientResult.Outcome.BOUNCED);
            }
            String site = attempt.site(r.index());
            if (site != null) {
                counters.site(site, logged.outcome());
            }
            MailLog.log(MailLog.result(m.id(), logged, site, m.envelope().receivedAt(), attemptNo, category));
            published.result(m, logged, attemptNo, category, logged != r);
        }
        o.eventsStored = published.publish();
        return o;
    }

    /** RFC 3463 4.4.7 "delivery time expired", made permanent. */
    private static RecipientResult expired(RecipientResult r) {
        return new RecipientResult(
                r.index(),
                r.recipient(),
                RecipientResult.Outcome.BOUNCED,
                "5.4.7",
                "5.4.7 Delivery time expired; last reply: " + r.reply(),
                r.remoteHost(),
                r.relay(),
                r.at(),
                r.tls());
    }

    /**
     * Queues one DSN for the recipients that failed for good (those whose NOTIFY wants one); the
     * message as it must be stored then.
     */
    private CompletionStage<QueuedMessage> notifySender(
            QueuedMessage m, QueuedMessage updated, Outcomes o, Instant now) {
        return notices.failure(m, o.failed, now).thenApply(sent -> switch (sent) {
            case QUEUED -> updated.withBounced(true);
            case NONE -> updated;
            case FAILED -> {
                // without a DSN nobody would learn of the failure: keep the recipients and try again later
                List<RecipientStatus> kept = new ArrayList<>(updated.recipients());
                for (int i : o.failedIndexes) {
                    RecipientStatus r = kept.get(i);
                    kept.set(i, r.with(State.PENDING, r.lastReply(), r.remoteHost()));
                }
                yield updated.withRecipients(kept);
            }
        });
    }

    /**
     * Bounces every pending recipient of a message on the operator's word: one DSN to the sender
     * (none for the null sender), then the message leaves the queue. The caller makes sure no
     * attempt of the message runs meanwhile.
     */
    CompletionStage<Void> bounceByOperator(QueuedMessage m, String reason) {
        Instant now = clock.instant();
        String why = reason == null || reason.isBlank()
                ? "no reason given"
                : reason.replace('\r', ' ').replace('\n', ' ').trim();
        String reply = "5.0.0 " + why + " (bounced by the operator)";
        List<FailedRecipient> failed = new ArrayList<>();
        for (RecipientStatus r : m.pending()) {
            failed.add(new FailedRecipient(r.recipient(), "5.0.0", reply, "", now, false));
        }
        CompletionStage<Void> dsn = notices.failure(m, failed, now).thenAccept(sent -> {
            if (sent == SenderNotifications.Sent.FAILED) {
                throw new CompletionException(new IOException("cannot queue the DSN"));
            }
        });
        Duration delay = Duration.between(m.envelope().receivedAt(), now);
        return dsn.thenCompose(v -> {
                    for (FailedRecipient r : failed) {
                        counters.operatorBounced.increment();
                        events.bouncedByOperator(m, r);
                        MailLog.log(MailLogLine.bounced(
                                m.id(),
                                r.recipient(),
                                MailLogLine.RELAY_NONE,
                                delay,
                                m.attempts(),
                                null,
                                BounceCategory.OTHER.word(),
                                reply));
                    }
                    return spool.remove(m.id());
                })
                .thenAccept(removed -> MailLog.log(MailLogLine.removed(m.id(), DELIVERY)));
    }

    /** An update of a message the operator removed meanwhile fails in the spool; nothing to resurrect. */
    private static Void ignoreRemoved(Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof NoSuchElementException) {
            LOG.debug("attempt not recorded: {}", cause.getMessage());
            return null;
        }
        if (cause instanceof RuntimeException re) {
            throw re;
        }
        throw new CompletionException(cause);
    }

    /** A permanent status for a permanent failure: 4.x.y from a server that said 5xx becomes 5.x.y. */
    private static String permanent(String status) {
        return status.startsWith("5") ? status : "5" + status.substring(1);
    }
}
