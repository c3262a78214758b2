package org.karavel.delivery.internal;

import static org.karavel.api.maillog.MailLogLine.RemovedBy.DELIVERY;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.karavel.api.address.MailAddress;
import org.karavel.api.maillog.MailLogLine;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.Origin;
import org.karavel.api.queue.QueueId;
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
                m.bounced());
        return notifySender(m, updated, outcomes, now).thenCompose(u -> {
            if (u.isFinished()) {
                return spool.remove(u.id()).thenAccept(removed -> MailLog.log(MailLogLine.removed(u.id(), DELIVERY)));
            }
            return spool.update(u).exceptionally(AttemptRecorder::ignoreRemoved);
        });
    }

    /** The recipients' states after an attempt, and those that failed for good (for the DSN). */
    private static final class Outcomes {
        final List<RecipientStatus> recipients;
        final List<FailedRecipient> failed = new ArrayList<>();
        final List<Integer> failedIndexes = new ArrayList<>();

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
        for (RecipientResult r : results) {
            RecipientResult logged = r;
            // an expired recipient keeps the category of its last failure: the reason it never got through
            BounceCategory category = r.outcome() == RecipientResult.Outcome.DELIVERED ? null : classifier.classify(r);
            String word = category == null ? "" : category.word();
            switch (r.outcome()) {
                case DELIVERED -> o.set(r, State.DELIVERED, r.reply());
                case BOUNCED -> {
                    o.set(r, State.BOUNCED, r.reply());
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
        }
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

    /** Queues one DSN for the recipients that failed for good; the message as it must be stored then. */
    private CompletionStage<QueuedMessage> notifySender(
            QueuedMessage m, QueuedMessage updated, Outcomes o, Instant now) {
        MailAddress sender = m.envelope().sender();
        if (o.failed.isEmpty()) {
            return CompletableFuture.completedFuture(updated);
        }
        if (sender.isNullSender()) {
            // a bounce is never bounced (RFC 5321 §6.1): logged above, dropped here
            MailLog.log(MailLogLine.dsnSkipped(m.id(), o.failed.size()));
            return CompletableFuture.completedFuture(updated);
        }
        return queueDsn(m, o.failed, now).handle((dsnId, error) -> {
            if (error == null) {
                counters.dsnQueued.increment();
                MailLog.log(MailLogLine.dsnQueued(m.id(), sender, o.failed.size(), dsnId));
                return updated.withBounced(true);
            }
            // without a DSN nobody would learn of the failure: keep the recipients and try again later
            LOG.warn(
                    "{}: cannot queue a DSN, {} failed recipient(s) stay queued: {}",
                    m.id(),
                    o.failed.size(),
                    error.toString());
            MailLog.log(MailLogLine.dsnFailed(m.id(), sender, o.failed.size(), error.toString()));
            List<RecipientStatus> kept = new ArrayList<>(updated.recipients());
            for (int i : o.failedIndexes) {
                RecipientStatus r = kept.get(i);
                kept.set(i, r.with(State.PENDING, r.lastReply(), r.remoteHost()));
            }
            return updated.withRecipients(kept);
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
        CompletionStage<Void> dsn;
        if (failed.isEmpty()) {
            dsn = CompletableFuture.completedFuture(null);
        } else if (m.envelope().sender().isNullSender()) {
            MailLog.log(MailLogLine.dsnSkipped(m.id(), failed.size()));
            dsn = CompletableFuture.completedFuture(null);
        } else {
            dsn = queueDsn(m, failed, now).thenAccept(dsnId -> {
                counters.dsnQueued.increment();
                MailLog.log(MailLogLine.dsnQueued(m.id(), m.envelope().sender(), failed.size(), dsnId));
            });
        }
        Duration delay = Duration.between(m.envelope().receivedAt(), now);
        return dsn.thenCompose(v -> {
                    for (FailedRecipient r : failed) {
                        counters.operatorBounced.increment();
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

    private CompletionStage<QueueId> queueDsn(QueuedMessage m, List<FailedRecipient> failed, Instant now) {
        MessageDraft draft = null;
        try {
            byte[] headers;
            try (InputStream in = spool.openContent(m.id())) {
                headers = DeliveryStatusNotification.readHeaders(in);
            } catch (IOException e) {
                LOG.warn("{}: cannot read the headers for the DSN: {}", m.id(), e.toString());
                headers = new byte[0];
            }
            draft = spool.create();
            QueueId dsnId = draft.id();
            draft.write(DeliveryStatusNotification.build(
                    settings.heloName(), m, failed, headers, dsnId, now, clock.getZone()));
            Envelope env = new Envelope(
                    MailAddress.NULL_SENDER,
                    List.of(m.envelope().sender()),
                    Map.of(),
                    now,
                    "",
                    "",
                    "local",
                    "",
                    Origin.local("dsn"));
            MessageDraft committing = draft;
            return draft.commit(env).thenApply(q -> q.id()).whenComplete((id, e) -> {
                if (e != null) {
                    committing.abort();
                }
            });
        } catch (IOException | RuntimeException e) {
            if (draft != null) {
                draft.abort();
            }
            return CompletableFuture.failedFuture(e);
        }
    }
}
