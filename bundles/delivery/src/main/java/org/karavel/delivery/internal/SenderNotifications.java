package org.karavel.delivery.internal;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.karavel.api.address.MailAddress;
import org.karavel.api.maillog.MailLogLine;
import org.karavel.api.maillog.MailLogLine.DsnKind;
import org.karavel.api.queue.DsnRequest;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.Origin;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.api.queue.Spool;
import org.karavel.delivery.internal.DeliveryStatusNotification.FailedRecipient;
import org.karavel.delivery.internal.DeliveryStatusNotification.Notice;
import org.karavel.delivery.internal.DeliveryStatusNotification.ReportedRecipient;
import org.karavel.delivery.internal.DeliveryStatusNotification.Returned;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which delivery status notifications the sender gets, as RFC 3461 and Postfix do, and
 * queues them: failures unless the recipient's NOTIFY leaves FAILURE out (NEVER, or only SUCCESS or
 * DELAY), successes only when NOTIFY has SUCCESS and the acceptance was final here or by a next hop
 * without DSN, one delay notice per message after delay_warning_time for recipients with DELAY or
 * without NOTIFY. Never to the null sender. Each DSN is committed before the caller records the
 * message's new state: a crash in between sends it twice, never zero times.
 */
final class SenderNotifications {
    private static final Logger LOG = LoggerFactory.getLogger(SenderNotifications.class);

    /** What became of a failure notice. */
    enum Sent {
        /** Queued. */
        QUEUED,
        /** None was due (null sender, or no recipient wants one). */
        NONE,
        /** It could not be queued: the failed recipients must stay queued so that it is tried again. */
        FAILED
    }

    private final DeliverySettings settings;
    private final Spool spool;
    private final Clock clock;
    private final DeliveryCounters counters;

    private final Supplier<MessageEventsOut> events;

    SenderNotifications(DeliverySettings settings, Spool spool, Clock clock, DeliveryCounters counters) {
        this(settings, spool, clock, counters, () -> MessageEventsOut.NONE);
    }

    /** @param events where the dsn_sent event of a failure notice goes */
    SenderNotifications(
            DeliverySettings settings,
            Spool spool,
            Clock clock,
            DeliveryCounters counters,
            Supplier<MessageEventsOut> events) {
        this.events = events;
        this.settings = settings;
        this.spool = spool;
        this.clock = clock;
        this.counters = counters;
    }

    /** One failure notice for the recipients that failed for good and want one. */
    CompletionStage<Sent> failure(QueuedMessage m, List<FailedRecipient> failed, Instant now) {
        MailAddress sender = m.envelope().sender();
        if (failed.isEmpty()) {
            return CompletableFuture.completedFuture(Sent.NONE);
        }
        if (sender.isNullSender()) {
            // a bounce is never bounced (RFC 5321 §6.1)
            MailLog.log(MailLogLine.dsnSkipped(m.id(), failed.size()));
            return CompletableFuture.completedFuture(Sent.NONE);
        }
        List<ReportedRecipient> wanted = new ArrayList<>();
        List<FailedRecipient> told = new ArrayList<>();
        Map<String, Integer> unwanted = new LinkedHashMap<>();
        for (FailedRecipient f : failed) {
            DsnRequest dsn = m.envelope().dsnRequest(f.recipient());
            if (dsn.wantsFailure()) {
                wanted.add(ReportedRecipient.failed(f, dsn.originalRecipient()));
                told.add(f);
            } else {
                unwanted.merge("NOTIFY=" + dsn.notifyValue(), 1, Integer::sum);
            }
        }
        unwanted.forEach(
                (why, n) -> MailLog.log(MailLogLine.dsnSkipped(m.id(), sender, Map.of(DsnKind.FAILED, n), why)));
        if (wanted.isEmpty()) {
            return CompletableFuture.completedFuture(Sent.NONE);
        }
        return queue(m, Notice.FAILURE, wanted, returned(m, true), now).handle((dsnId, error) -> {
            if (error == null) {
                counters.dsnQueued.increment();
                MailLog.log(MailLogLine.dsnQueued(m.id(), sender, wanted.size(), dsnId));
                events.get().dsnSent(m, told, dsnId);
                return Sent.QUEUED;
            }
            LOG.warn(
                    "{}: cannot queue a DSN, {} failed recipient(s) stay queued: {}",
                    m.id(),
                    wanted.size(),
                    error.toString());
            MailLog.log(MailLogLine.dsnFailed(m.id(), sender, wanted.size(), error.toString()));
            return Sent.FAILED;
        });
    }

    /**
     * One success notice for the recipients this attempt delivered that asked with NOTIFY=SUCCESS,
     * unless the next hop took the request over. Not retried when it cannot be queued (logged).
     */
    CompletionStage<Void> success(QueuedMessage m, List<RecipientResult> results) {
        List<ReportedRecipient> reported = new ArrayList<>();
        Map<DsnKind, Integer> counts = new EnumMap<>(DsnKind.class);
        for (RecipientResult r : results) {
            DsnRequest dsn = m.envelope().dsnRequest(r.recipient());
            if (r.outcome() != RecipientResult.Outcome.DELIVERED
                    || !dsn.wantsSuccess()
                    || r.handoff() == RecipientResult.Handoff.PASSED_ON) {
                continue;
            }
            DsnKind action = r.handoff() == RecipientResult.Handoff.FINAL ? DsnKind.DELIVERED : DsnKind.RELAYED;
            String status = BounceRules.enhancedCode("", r.reply());
            reported.add(new ReportedRecipient(
                    r.recipient(),
                    action,
                    status.startsWith("2") ? status : "2.0.0",
                    r.reply(),
                    r.remoteHost(),
                    r.at(),
                    false,
                    "",
                    dsn.originalRecipient()));
            counts.merge(action, 1, Integer::sum);
        }
        MailAddress sender = m.envelope().sender();
        if (reported.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        if (sender.isNullSender()) {
            MailLog.log(MailLogLine.dsnSkipped(m.id(), sender, counts, "null sender"));
            return CompletableFuture.completedFuture(null);
        }
        Notice notice = new Notice(DsnKind.DELIVERED, null);
        return queue(m, notice, reported, returned(m, false), clock.instant()).handle((dsnId, error) -> {
            logQueued(m, counts, dsnId, error);
            return null;
        });
    }

    /**
     * The delay notice, once per message: when it has been queued for delay_warning_time and
     * recipients are still pending. Completes with whether the message counts as warned from now on
     * (also when no recipient wanted a notice: nothing to look at again).
     */
    CompletionStage<Boolean> delay(QueuedMessage m, Instant now) {
        Duration warnAfter = settings.delayWarningTime();
        if (m.delayWarned()
                || warnAfter.isZero()
                || m.pending().isEmpty()
                || Duration.between(m.envelope().receivedAt(), now).compareTo(warnAfter) < 0) {
            return CompletableFuture.completedFuture(false);
        }
        List<ReportedRecipient> reported = new ArrayList<>();
        for (RecipientStatus r : m.pending()) {
            DsnRequest dsn = m.envelope().dsnRequest(r.recipient());
            if (dsn.wantsDelay()) {
                String status = BounceRules.enhancedCode("", r.lastReply());
                reported.add(new ReportedRecipient(
                        r.recipient(),
                        DsnKind.DELAYED,
                        status.startsWith("4") ? status : "4.0.0",
                        r.lastReply(),
                        r.remoteHost(),
                        now,
                        false,
                        "",
                        dsn.originalRecipient()));
            }
        }
        MailAddress sender = m.envelope().sender();
        Map<DsnKind, Integer> counts = Map.of(DsnKind.DELAYED, reported.size());
        if (reported.isEmpty()) {
            return CompletableFuture.completedFuture(true);
        }
        if (sender.isNullSender()) {
            MailLog.log(MailLogLine.dsnSkipped(m.id(), sender, counts, "null sender"));
            return CompletableFuture.completedFuture(true);
        }
        Notice notice = new Notice(DsnKind.DELAYED, m.envelope().receivedAt().plus(settings.maxQueueLifetime()));
        return queue(m, notice, reported, returned(m, false), now).handle((dsnId, error) -> {
            logQueued(m, counts, dsnId, error);
            return error == null;
        });
    }

    private void logQueued(QueuedMessage m, Map<DsnKind, Integer> counts, QueueId dsnId, Throwable error) {
        MailAddress sender = m.envelope().sender();
        if (error == null) {
            counters.dsnQueued.increment();
            MailLog.log(MailLogLine.dsnQueued(m.id(), sender, counts, dsnId));
        } else {
            LOG.warn("{}: cannot queue a DSN ({}): {}", m.id(), counts, error.toString());
            MailLog.log(MailLogLine.dsnFailed(m.id(), sender, counts, error.toString()));
        }
    }

    /**
     * What the notice returns: for a failure under RET=FULL the whole message up to dsn_return_limit,
     * otherwise (and beyond the limit) the header section (RFC 3461 §4.3: RET is about failures).
     */
    private Returned returned(QueuedMessage m, boolean failure) {
        boolean full = failure && "FULL".equals(m.envelope().dsnReturn());
        try (InputStream in = spool.openContent(m.id())) {
            if (full && m.size() <= settings.dsnReturnLimit()) {
                return new Returned(in.readAllBytes(), true, 0);
            }
            byte[] headers = DeliveryStatusNotification.readHeaders(in);
            return new Returned(headers, false, full ? settings.dsnReturnLimit() : 0);
        } catch (IOException e) {
            LOG.warn("{}: cannot read the message for the DSN: {}", m.id(), e.toString());
            return Returned.headers(new byte[0]);
        }
    }

    private CompletionStage<QueueId> queue(
            QueuedMessage m, Notice notice, List<ReportedRecipient> recipients, Returned returned, Instant now) {
        MessageDraft draft = null;
        try {
            draft = spool.create();
            QueueId dsnId = draft.id();
            draft.write(DeliveryStatusNotification.build(
                    settings.heloName(), m, notice, recipients, returned, dsnId, now, clock.getZone()));
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
