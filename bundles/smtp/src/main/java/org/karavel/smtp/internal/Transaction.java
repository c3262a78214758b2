package org.karavel.smtp.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.DsnRequest;

/**
 * One mail transaction (RFC 5321 §3.3): the sender and its MAIL parameters, the recipients, the
 * message being received and the BDAT state. RSET, EHLO/HELO, STARTTLS and the end of every
 * transaction replace it by a new one as a whole (Postfix's smtpd_state_reset), so that no field
 * is ever forgotten on a reset. Touched only under the session's lock.
 */
final class Transaction {
    /** BDAT content has no lines; this many octets count as one for the data timeout. */
    static final int CHUNK_PROGRESS = 1000;

    /** Null until MAIL is accepted. */
    MailAddress sender;
    /** Whether MAIL carried SMTPUTF8. */
    boolean smtputf8;

    Map<String, String> mailParameters = Map.of();
    final List<MailAddress> recipients = new ArrayList<>();
    /** NOTIFY and ORCPT of the recipients that gave them (RFC 3461). */
    final Map<MailAddress, DsnRequest> dsnRequests = new HashMap<>();
    /** Whether a RCPT was refused: DATA then says "no valid recipients" rather than "need RCPT". */
    boolean recipientRefused;
    /** The message being received (DATA, or BDAT from its first chunk on); null before. */
    IncomingMessage message;
    /** Whether the message's commit has started: from then on it is the spool's, never discarded here. */
    boolean committing;
    /** The BDAT chunk being read; null outside one. */
    Chunk chunk;
    /**
     * After a failed BDAT, the client's further BDATs (already pipelined) are read and discarded
     * until BDAT LAST or any other command; set again on each new transaction that follows one.
     */
    boolean discardChunks;

    /** What to answer at the end of a BDAT chunk that is read only to be discarded. */
    enum ChunkRefusal {
        /** Out of sequence (no HELO, no MAIL, no RCPT): counted as a client error. */
        SEQUENCE,
        /** A BDAT after a failed one. */
        DISCARD,
        /** The message could not be started: the transaction is reset. */
        TRANSACTION
    }

    /**
     * One BDAT chunk (RFC 3030). Once its size is known it is always read, also when the command is
     * refused, so that client and server stay in step.
     */
    static final class Chunk {
        final long size;
        final boolean last;
        long remaining;
        int progress;
        Reply refusal;
        ChunkRefusal refusalKind;

        Chunk(long size, boolean last) {
            this.size = size;
            this.last = last;
            this.remaining = size;
        }

        void refuse(Reply reply, ChunkRefusal kind) {
            refusal = reply;
            refusalKind = kind;
        }
    }

    boolean started() {
        return sender != null;
    }

    /** DATA or BDAT without an accepted recipient: "no valid recipients" once one was refused. */
    Reply noRecipientReply() {
        return recipientRefused ? Replies.NO_VALID_RCPT : Replies.NEED_RCPT;
    }

    /** The first recipient (the mail log names it), or null when there is none. */
    MailAddress firstRecipient() {
        return recipients.isEmpty() ? null : recipients.get(0);
    }

    EnvelopeSnapshot envelope() {
        return new EnvelopeSnapshot(sender, recipients, mailParameters);
    }

    /** Aborts the message's draft, unless its commit has started (then it is the spool's). */
    void discardMessage() {
        if (message != null && !committing) {
            message.discard();
            message = null;
        }
    }
}
