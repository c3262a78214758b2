package org.karavel.smtp.internal;

import java.io.IOException;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.Verdict;
import org.karavel.api.queue.DsnRequest;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.Spool;
import org.karavel.api.queue.SpoolFullException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A message from its draft to "queued as": the draft and its Received header when DATA or the
 * first BDAT starts it; at its end the hop count, from_login_match, the end-of-message filters
 * (and the headers they add), the recipients' expansion and the spool's commit, whose completion
 * alone sends the 250. Runs under the session's lock; waits through the session.
 */
final class MessageCommit {
    /** The session's logger: these are session events, and operators tune them as such. */
    private static final Logger LOG = LoggerFactory.getLogger(SmtpSession.class);

    private static final String STAGE = "END-OF-MESSAGE";

    private final SmtpSession session;
    private final SmtpListener listener;
    private final ListenerSettings settings;

    MessageCommit(SmtpSession session) {
        this.session = session;
        this.listener = session.listener;
        this.settings = session.settings;
    }

    /** Makes a draft in the spool and writes the Received header into it; null when that worked. */
    Reply startMessage(boolean bdat) {
        Spool spool = listener.spool();
        if (spool == null) {
            return Replies.QUEUE_UNAVAILABLE;
        }
        MessageDraft draft;
        try {
            draft = spool.create();
        } catch (SpoolFullException e) {
            LOG.warn("{}: spool full: {}", session.id(), e.getMessage());
            return Replies.NO_STORAGE;
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: cannot create a queue file: {}", session.id(), e.toString());
            return Replies.WRITE_ERROR;
        }
        Transaction t = session.transaction();
        StartTls tls = session.tls;
        ReceivedHeader received = new ReceivedHeader(
                session.greeting.name(),
                null,
                session.view.clientAddress().getAddress(),
                settings.hostname(),
                ReceivedHeader.protocol(
                        session.greeting.extended(), t.smtputf8, tls.active(), session.authentication.user() != null),
                t.recipients.size() == 1 ? t.recipients.get(0) : null,
                ZonedDateTime.now(),
                tls.active() ? tls.protocol() : null,
                tls.cipher());
        IncomingMessage m = new IncomingMessage(
                draft, received, settings, bdat, listener.filters().inspectsMessages());
        try {
            m.begin();
        } catch (IOException | RuntimeException e) {
            m.discard();
            LOG.warn("{}: cannot write to queue file: {}", session.id(), e.toString());
            return e instanceof SpoolFullException ? Replies.NO_STORAGE : Replies.WRITE_ERROR;
        }
        t.message = m;
        return null;
    }

    /** The message is complete (end of data or BDAT LAST): check it, ask the filters, commit. */
    void endOfMessage() {
        Transaction t = session.transaction();
        IncomingMessage m = t.message;
        if (m.failure() != null) {
            refuseMessage();
            return;
        }
        ReceivedMessage content = m.view();
        if (tooManyHops(m, content) || fromNotOwned(m, content)) {
            return;
        }
        EnvelopeSnapshot envelope = t.envelope();
        session.stages.run(STAGE, f -> f.endOfMessage(session.view, envelope, content), result -> {
            Transaction now = session.transaction();
            if (!result.passed()) {
                session.stages.refuse(STAGE, result, m.id(), now.sender, now.recipients.get(0));
                abandon(m);
            } else if (!result.changesHeaders()) {
                completeAndCommit(m);
            } else {
                addHeaders(m, result);
            }
        });
    }

    /** A mail loop (hopcount_limit): refused before the filters are asked. */
    private boolean tooManyHops(IncomingMessage m, ReceivedMessage content) {
        Reply loop = HopCount.check(content.headers(), settings.hopcountLimit());
        if (loop == null) {
            return false;
        }
        LOG.info(
                "{}: message from [{}] has more than {} Received: fields (a mail loop)",
                session.id(),
                session.clientIp,
                settings.hopcountLimit());
        Transaction t = session.transaction();
        listener.mailLog()
                .reject(m.id(), STAGE, session.clientIp, loop, t.sender, t.recipients.get(0), session.greeting.name());
        listener.counters().rejected(settings.name(), "hopcount");
        t.message = null;
        m.discard();
        session.reply(loop);
        session.resetTransaction();
        return true;
    }

    /** from_login_match: an authenticated user's From header must name one of its addresses. */
    private boolean fromNotOwned(IncomingMessage m, ReceivedMessage content) {
        String user = session.authentication.user();
        Verdict forged = settings.fromLoginMatch() && user != null
                ? FromLoginMatch.check(
                        content.header("From"),
                        listener.users() == null ? null : listener.users().allowedSenders(user),
                        user)
                : null;
        if (forged == null) {
            return false;
        }
        Transaction t = session.transaction();
        session.stages.refuse(
                STAGE,
                new StageResult(StageResult.Outcome.REFUSED, forged, "from_login_match", List.of(), Set.of()),
                m.id(),
                t.sender,
                t.recipients.get(0));
        abandon(m);
        return true;
    }

    /** The filters add or remove header fields: the draft is rewritten off the I/O thread, then committed. */
    private void addHeaders(IncomingMessage m, StageResult result) {
        Spool spool = listener.spool();
        CompletableFuture<Void> rewritten = spool == null
                ? CompletableFuture.failedFuture(new IOException("no spool"))
                : CompletableFuture.runAsync(
                        () -> {
                            try {
                                m.rewrite(spool, result.headers(), result.removed());
                            } catch (IOException e) {
                                throw new CompletionException(e);
                            }
                        },
                        listener.worker());
        session.await(
                rewritten,
                (ignored, failure) -> {
                    if (failure == null) {
                        commit(m);
                    } else {
                        LOG.warn("{}: cannot add the filters' headers: {}", session.id(), failure.toString());
                        session.reply(
                                failure instanceof SpoolFullException
                                                || failure.getCause() instanceof SpoolFullException
                                        ? Replies.NO_STORAGE
                                        : Replies.WRITE_ERROR);
                        abandon(m);
                    }
                },
                false);
    }

    /** No filter changes the headers: the deferred content goes into the draft as it came, then commit. */
    private void completeAndCommit(IncomingMessage m) {
        try {
            m.complete();
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: cannot write to queue file: {}", session.id(), e.toString());
            session.reply(e instanceof SpoolFullException ? Replies.NO_STORAGE : Replies.WRITE_ERROR);
            abandon(m);
            return;
        }
        commit(m);
    }

    /** Answers a message that had a problem while it streamed in (size, bare CR/LF, long line, I/O). */
    void refuseMessage() {
        Transaction t = session.transaction();
        IncomingMessage m = t.message;
        t.message = null;
        Reply r = m.failure();
        m.discard();
        if (m.clientFault()) {
            listener.mailLog()
                    .reject(m.id(), STAGE, session.clientIp, r, t.sender, t.firstRecipient(), session.greeting.name());
            listener.counters().rejected(settings.name(), SmtpCounters.reason(STAGE, r));
            session.error(r);
        } else {
            session.reply(r);
        }
        session.resetTransaction();
    }

    /** Drops the message (its draft is aborted) and the transaction with it. */
    private void abandon(IncomingMessage m) {
        session.transaction().message = null;
        m.discard();
        session.resetTransaction();
    }

    private void commit(IncomingMessage m) {
        Transaction t = session.transaction();
        MessageDraft draft = m.draft();
        Map<MailAddress, DsnRequest> dsn = new HashMap<>();
        List<MailAddress> queuedRecipients =
                EnvelopeRecipients.expand(listener.recipientExpansion(), t.recipients, draft.id(), t.dsnRequests, dsn);
        if (queuedRecipients == null) {
            session.reply(Replies.EXPANSION_ERROR);
            abandon(m);
            return;
        }
        String user = session.authentication.user();
        String helo = session.greeting.name();
        Envelope envelope = new Envelope(
                t.sender,
                queuedRecipients,
                t.mailParameters,
                Instant.now(),
                session.clientIp,
                helo,
                settings.name(),
                user == null ? "" : user,
                ReceiptOrigin.of(session.view, user, session.clientIp),
                dsn);
        CompletableFuture<QueuedMessage> committed = new CompletableFuture<>();
        try {
            draft.commit(envelope).whenComplete((q, x) -> {
                if (x != null) {
                    committed.completeExceptionally(x);
                } else {
                    committed.complete(q);
                }
            });
        } catch (RuntimeException e) {
            committed.completeExceptionally(e);
        }
        t.committing = true;
        int count = queuedRecipients.size();
        session.await(committed, (queued, failure) -> committed(t, m, draft, envelope, count, helo, failure), true);
    }

    /** The spool's commit completed: 250 only now, or the reply to its failure. Runs also after a close. */
    private void committed(
            Transaction t,
            IncomingMessage m,
            MessageDraft draft,
            Envelope envelope,
            int count,
            String helo,
            Throwable failure) {
        t.committing = false;
        m.release();
        if (t.message == m) {
            t.message = null;
        }
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause == null) {
            listener.mailLog()
                    .received(
                            draft.id(),
                            envelope.sender(),
                            draft.size(),
                            count,
                            session.clientIp,
                            helo,
                            settings.name());
            listener.messageEvents().received(draft.id(), envelope);
            listener.counters().received(settings.name());
            session.reply(Replies.queued(draft.id()));
        } else if (cause instanceof SpoolFullException) {
            LOG.warn("{}: spool full at commit of {}: {}", session.id(), draft.id(), cause.getMessage());
            session.reply(Replies.NO_STORAGE);
        } else {
            LOG.warn("{}: commit of {} failed: {}", session.id(), draft.id(), cause.toString());
            session.reply(Replies.WRITE_ERROR);
        }
        if (cause != null) {
            draft.abort();
        }
        if (!session.isClosed()) {
            session.resetTransaction();
            if (session.shutdownRequested()) {
                session.reply(Replies.shuttingDown(settings.hostname()));
                session.close(true);
            }
        }
    }
}
