package org.karavel.smtp.internal;

import java.util.List;
import org.karavel.api.address.MailAddress;

/**
 * The commands of a mail transaction: MAIL, RCPT, DATA and BDAT (RFC 5321 §3.3, RFC 3030). Each
 * checks, in a fixed order, that the command may come now, its syntax ({@link CommandSyntax}) and
 * our limits, then asks the filters and fills the session's {@link Transaction}. What happens once
 * the message is complete is {@link MessageCommit}'s. Runs under the session's lock; the state read
 * in a filter's continuation is the session's current transaction, as it is then.
 */
final class TransactionCommands {
    private final SmtpSession session;
    private final SmtpListener listener;
    private final ListenerSettings settings;

    TransactionCommands(SmtpSession session) {
        this.session = session;
        this.listener = session.listener;
        this.settings = session.settings;
    }

    void mail(String arg) {
        if (session.tls.required()) {
            session.error(Replies.MUST_STARTTLS);
            return;
        }
        if (session.beforeHelo(Command.MAIL)) {
            session.error(Replies.NEED_HELO);
            return;
        }
        if (session.transaction().started()) {
            session.error(Replies.NESTED_MAIL);
            return;
        }
        if (settings.authRequired() && session.authentication.user() == null) {
            session.error(Replies.AUTH_REQUIRED);
            return;
        }
        CommandSyntax.Mail m = CommandSyntax.mail(arg, session.greeting.extended(), settings.maxMessageSize());
        if (m.refusal() != null) {
            session.error(m.refusal());
            return;
        }
        MailAddress address = m.sender();
        Reply notOwned = session.authentication.refusesSender(address); // every authenticated session
        if (notOwned != null) {
            listener.mailLog().reject(null, "MAIL", session.clientIp, notOwned, address, null, session.greeting.name());
            listener.counters().rejected(settings.name(), SmtpCounters.reason("MAIL", notOwned));
            session.error(notOwned);
            return;
        }
        EnvelopeSnapshot envelope = new EnvelopeSnapshot(address, List.of(), m.parameters());
        session.stages.run("MAIL", f -> f.mailFrom(session.view, envelope, address), result -> {
            if (result.passed()) {
                session.transaction().sender = address;
                session.transaction().smtputf8 = m.smtputf8();
                session.transaction().mailParameters = m.parameters();
                session.reply(Replies.SENDER_OK);
            } else {
                session.stages.refuse("MAIL", result, null, address, null);
            }
        });
    }

    void rcpt(String arg) {
        Transaction t = session.transaction();
        if (session.tls.required()) {
            session.error(Replies.MUST_STARTTLS);
            return;
        }
        if (!t.started()) {
            session.error(Replies.NEED_MAIL); // also before HELO: no MAIL can have come then
            return;
        }
        if (t.message != null) {
            session.error(Replies.RCPT_IN_BDAT);
            return;
        }
        CommandSyntax.Rcpt r = CommandSyntax.rcpt(arg, t.smtputf8, session.greeting.extended(), settings.hostname());
        if (r.refusal() != null) {
            session.error(r.refusal());
            return;
        }
        MailAddress address = r.recipient();
        if (t.recipients.size() >= settings.maxRecipients()) {
            // not counted as an error: RFC 5321 §4.5.3.1.10, the client sends the rest later
            rejectRecipient(Replies.TOO_MANY_RECIPIENTS, address);
            return;
        }
        String missing = missingRequiredFilter();
        if (missing != null) {
            // fail closed: without the relay policy every domain would pass (not counted as a client error)
            rejectRecipient(Replies.policyUnavailable(address, missing), address);
            return;
        }
        EnvelopeSnapshot envelope = t.envelope();
        session.stages.run("RCPT", f -> f.rcptTo(session.view, envelope, address), result -> {
            if (result.passed()) {
                session.transaction().recipients.add(address);
                if (!r.dsn().isNone()) {
                    session.transaction().dsnRequests.put(address, r.dsn());
                }
                session.reply(Replies.RECIPIENT_OK);
            } else {
                session.transaction().recipientRefused = true;
                session.stages.refuse("RCPT", result, null, session.transaction().sender, address);
            }
        });
    }

    /** A recipient refused by a limit of ours, not by a filter: logged and answered, not counted. */
    private void rejectRecipient(Reply r, MailAddress address) {
        listener.mailLog()
                .reject(
                        null,
                        "RCPT",
                        session.clientIp,
                        r,
                        session.transaction().sender,
                        address,
                        session.greeting.name());
        listener.counters().rejected(settings.name(), SmtpCounters.reason("RCPT", r));
        session.reply(r);
    }

    private String missingRequiredFilter() {
        for (String required : settings.requiredFilters()) {
            if (listener.filters().entries().stream().noneMatch(e -> e.name().equals(required))) {
                return required;
            }
        }
        return null;
    }

    void data(String arg) {
        Transaction t = session.transaction();
        if (!arg.isEmpty()) {
            session.error(Replies.SYNTAX_DATA);
            return;
        }
        if (t.message != null && t.message.isBdat()) {
            session.error(Replies.DATA_AFTER_BDAT);
            return;
        }
        if (session.beforeHelo(Command.DATA)) {
            session.error(Replies.NEED_HELO);
            return;
        }
        if (!t.started()) {
            session.error(Replies.NEED_MAIL);
            return;
        }
        if (t.recipients.isEmpty()) {
            session.error(t.noRecipientReply());
            return;
        }
        Reply failure = session.commit.startMessage(false);
        if (failure != null) {
            session.reply(failure);
            session.resetTransaction();
            return;
        }
        session.receiveData();
        session.reply(Replies.START_DATA);
    }

    /**
     * BDAT (RFC 3030). Once the size is known the chunk is always read, also when the command is
     * refused, so that client and server stay in step.
     */
    void bdat(String arg) {
        Transaction t = session.transaction();
        CommandSyntax.Bdat b = CommandSyntax.bdat(arg);
        if (b == null) {
            session.error(Replies.SYNTAX_BDAT);
            return;
        }
        Transaction.Chunk chunk = new Transaction.Chunk(b.size(), b.last());
        if (t.discardChunks) {
            chunk.refuse(Replies.BDAT_DISCARDED, Transaction.ChunkRefusal.DISCARD);
        } else if (session.beforeHelo(Command.BDAT)) {
            chunk.refuse(Replies.NEED_HELO, Transaction.ChunkRefusal.SEQUENCE);
        } else if (!session.greeting.extended()) {
            chunk.refuse(Replies.BDAT_NEEDS_EHLO, Transaction.ChunkRefusal.SEQUENCE);
        } else if (!t.started()) {
            chunk.refuse(Replies.NEED_MAIL, Transaction.ChunkRefusal.SEQUENCE);
        } else if (t.recipients.isEmpty()) {
            chunk.refuse(t.noRecipientReply(), Transaction.ChunkRefusal.SEQUENCE);
        } else if (t.message == null) {
            Reply failure = session.commit.startMessage(true);
            if (failure != null) {
                chunk.refuse(failure, Transaction.ChunkRefusal.TRANSACTION);
            }
        }
        session.receiveChunk(chunk);
    }

    /** A BDAT chunk has been read: answer its refusal, or take it into the message. */
    void endOfChunk(Transaction.Chunk chunk) {
        if (chunk.refusal != null) {
            switch (chunk.refusalKind) {
                case SEQUENCE:
                    session.error(chunk.refusal);
                    break;
                case DISCARD:
                    session.reply(chunk.refusal);
                    session.transaction().discardChunks = !chunk.last;
                    break;
                default:
                    session.reply(chunk.refusal);
                    session.resetTransaction();
                    session.transaction().discardChunks = !chunk.last;
            }
            return;
        }
        IncomingMessage message = session.transaction().message;
        if (chunk.last) {
            message.finishChunks();
        }
        if (message.failure() != null) {
            session.commit.refuseMessage();
            session.transaction().discardChunks = !chunk.last;
            return;
        }
        if (!chunk.last) {
            session.reply(Replies.chunkReceived(chunk.size));
            return;
        }
        session.commit.endOfMessage();
    }
}
