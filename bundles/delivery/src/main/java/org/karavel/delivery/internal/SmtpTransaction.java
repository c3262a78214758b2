package org.karavel.delivery.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import org.karavel.api.address.MailAddress;
import org.karavel.api.dkim.OutboundSigner;
import org.karavel.api.maillog.MailLogLine;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.Spool;
import org.karavel.delivery.internal.RecipientResult.Outcome;

/**
 * One mail transaction (MAIL, RCPT…, DATA, content) on an open SMTP or LMTP connection, pipelined
 * when the server offers it, with a result for every recipient of the job.
 */
final class SmtpTransaction {
    private final SmtpConnection connection;
    private final DeliveryJob job;
    private final Spool spool;
    private final boolean lmtp;
    private final DeliverySettings settings;
    private final Clock clock;
    private final Map<Integer, RecipientResult> results = new LinkedHashMap<>();
    /** Signs SMTP transactions (DKIM); null: unsigned (LMTP, or no dkim bundle). */
    private final OutboundSigner signer;
    /** What is being sent now, for the reply when the connection is lost or times out. */
    private String stage = "MAIL FROM";

    SmtpTransaction(
            SmtpConnection connection,
            DeliveryJob job,
            Spool spool,
            boolean lmtp,
            DeliverySettings settings,
            Clock clock) {
        this(connection, job, spool, lmtp, settings, clock, null);
    }

    SmtpTransaction(
            SmtpConnection connection,
            DeliveryJob job,
            Spool spool,
            boolean lmtp,
            DeliverySettings settings,
            Clock clock,
            OutboundSigner signer) {
        this.signer = signer;
        this.connection = connection;
        this.job = job;
        this.spool = spool;
        this.lmtp = lmtp;
        this.settings = settings;
        this.clock = clock;
    }

    /** Whether the envelope can only be passed on with SMTPUTF8. */
    static boolean needsSmtpUtf8(Envelope envelope, List<MailAddress> recipients) {
        return envelope.sender().needsSmtpUtf8()
                || envelope.mailParameters().containsKey("SMTPUTF8")
                || recipients.stream().anyMatch(MailAddress::needsSmtpUtf8);
    }

    /**
     * Runs the transaction within transaction_timeout_seconds: past it the connection is cut and the
     * recipients without a result are deferred (4.4.2), as after any timeout.
     */
    List<RecipientResult> run() {
        ScheduledFuture<?> deadline = connection.cutAfter(settings.transactionTimeout(), "transaction deadline");
        try {
            return transact();
        } finally {
            deadline.cancel(false);
        }
    }

    private List<RecipientResult> transact() {
        QueuedMessage m = job.message();
        Envelope env = m.envelope();
        boolean utf8 = needsSmtpUtf8(env, job.recipients());
        if (utf8 && !connection.offers("SMTPUTF8")) {
            return job.all(
                    Outcome.BOUNCED,
                    "5.6.7",
                    "554 5.6.7 SMTPUTF8 is required, but was not offered by host " + connection.relay(),
                    connection.host(),
                    connection.relay(),
                    connection.tlsLog(),
                    clock);
        }
        // RFC 6152 §3: 8-bit content to a next hop without 8BITMIME is converted first, and signed as sent
        byte[] sevenBit;
        try {
            sevenBit = sevenBitIfNeeded(m);
        } catch (IOException e) {
            return deferAll("451 4.3.0 queue file read error while converting to 7 bit: " + e.getMessage());
        }
        byte[] signature;
        try {
            signature = sign(m, sevenBit);
        } catch (IOException e) {
            // the content could not be read for signing: as a queue file read error, try again later
            return deferAll("451 4.3.0 queue file read error while signing: " + e.getMessage());
        } catch (RuntimeException e) {
            // a broken signer must not let mail out unsigned by surprise, nor lose it
            return deferAll("451 4.3.0 DKIM signer failed: " + e);
        }
        long size = (sevenBit == null ? m.size() : sevenBit.length) + signature.length;
        long limit = connection.sizeLimit();
        if (limit > 0 && size > limit) {
            return job.all(
                    Outcome.BOUNCED,
                    "5.3.4",
                    "552 5.3.4 message size " + size + " exceeds size limit " + limit + " of server "
                            + connection.relay(),
                    connection.host(),
                    connection.relay(),
                    connection.tlsLog(),
                    clock);
        }
        InputStream content;
        try {
            content = sevenBit == null ? spool.openContent(m.id()) : new ByteArrayInputStream(sevenBit);
        } catch (IOException e) {
            return deferAll("451 4.3.0 queue file read error: " + e.getMessage());
        }
        return converse(mailCommand(env, size, utf8), content, signature);
    }

    /** The same deferral (4.3.0, no next hop involved) for every recipient of the job. */
    private List<RecipientResult> deferAll(String reply) {
        return job.all(Outcome.DEFERRED, "4.3.0", reply, "", MailLogLine.RELAY_NONE, clock);
    }

    /** The 7-bit conversion of the content when the next hop needs one; null to send it as queued. */
    private byte[] sevenBitIfNeeded(QueuedMessage m) throws IOException {
        if (connection.offers("8BITMIME") || !needsSevenBit(m)) {
            return null;
        }
        try (InputStream in = spool.openContent(m.id())) {
            return MimeDowngrade.toSevenBit(in);
        }
    }

    private String mailCommand(Envelope env, long size, boolean utf8) {
        StringBuilder mail = new StringBuilder("MAIL FROM:").append(env.sender().toPath());
        if (connection.offers("SIZE")) {
            mail.append(" SIZE=").append(size);
        }
        if ("8BITMIME".equalsIgnoreCase(env.mailParameters().get("BODY")) && connection.offers("8BITMIME")) {
            mail.append(" BODY=8BITMIME");
        }
        if (utf8) {
            mail.append(" SMTPUTF8");
        }
        if (connection.offers("DSN")) {
            mail.append(DsnPassOn.mailParameters(env));
        }
        return mail.toString();
    }

    /** RCPT TO with NOTIFY and ORCPT when the next hop offers DSN (RFC 3461 §5.2, as Postfix). */
    private String rcptCommand(MailAddress r) {
        String rcpt = "RCPT TO:" + r.toPath();
        return connection.offers("DSN")
                ? rcpt + DsnPassOn.rcptParameters(job.message().envelope(), r)
                : rcpt;
    }

    /**
     * The dialogue from MAIL FROM to the reply to the final dot; a lost connection or a timeout defers
     * the recipients without a result yet, naming the stage it happened in.
     */
    private List<RecipientResult> converse(String mail, InputStream content, byte[] signature) {
        try (content) {
            EnvelopeReplies replies = sendEnvelope(mail);
            if (!replies.mail().isPositive()) {
                for (int i : job.indexes()) {
                    result(i, replies.mail());
                }
                endUnwantedData(replies.data());
                return list();
            }
            List<Integer> accepted = new ArrayList<>();
            for (int k = 0; k < replies.rcpts().size(); k++) {
                int i = job.indexes().get(k);
                if (replies.rcpts().get(k).isPositive()) {
                    accepted.add(i);
                } else {
                    result(i, replies.rcpts().get(k));
                }
            }
            if (accepted.isEmpty()) {
                endUnwantedData(replies.data());
                return list();
            }
            SmtpReply dataReply = replies.data();
            if (dataReply == null) {
                stage = "DATA";
                connection.send("DATA");
                dataReply = connection.read(settings.replyTimeout());
            }
            if (dataReply.code() != 354) {
                for (int i : accepted) {
                    result(i, dataReply);
                }
                return list();
            }
            sendMessage(content, signature, accepted);
            return list();
        } catch (SmtpConnection.QueueFileException e) {
            connection.close();
            return rest("4.3.0", "451 4.3.0 " + e.getMessage(), "", MailLogLine.RELAY_NONE);
        } catch (SocketTimeoutException e) {
            String cut = connection.cutBy();
            return rest(
                    "4.4.2",
                    "conversation with " + connection.relay() + " timed out while sending " + stage
                            + (cut == null ? "" : " (" + cut + ")"),
                    connection.host(),
                    connection.relay());
        } catch (IOException e) {
            return rest(
                    "4.4.2",
                    "lost connection with " + connection.relay() + " while sending " + stage + ": " + e.getMessage(),
                    connection.host(),
                    connection.relay());
        }
    }

    /**
     * The replies to MAIL FROM and the RCPTs, and to DATA when it was pipelined with them (null
     * otherwise: DATA is sent only once a recipient is accepted).
     */
    private record EnvelopeReplies(SmtpReply mail, List<SmtpReply> rcpts, SmtpReply data) {}

    /** MAIL FROM and the RCPTs: pipelined with DATA when the server offers it, otherwise one by one. */
    private EnvelopeReplies sendEnvelope(String mail) throws IOException {
        List<MailAddress> rcpts = job.recipients();
        List<SmtpReply> rcptReplies = new ArrayList<>();
        if (connection.offers("PIPELINING")) {
            List<String> cmds = new ArrayList<>();
            cmds.add(mail);
            for (MailAddress r : rcpts) {
                cmds.add(rcptCommand(r));
            }
            cmds.add("DATA");
            connection.send(cmds.toArray(new String[0]));
            SmtpReply mailReply = connection.read(settings.replyTimeout());
            stage = "RCPT TO";
            for (int i = 0; i < rcpts.size(); i++) {
                rcptReplies.add(connection.read(settings.replyTimeout()));
            }
            stage = "DATA";
            return new EnvelopeReplies(mailReply, rcptReplies, connection.read(settings.replyTimeout()));
        }
        connection.send(mail);
        SmtpReply mailReply = connection.read(settings.replyTimeout());
        if (mailReply.isPositive()) {
            stage = "RCPT TO";
            for (MailAddress r : rcpts) {
                connection.send(rcptCommand(r));
                rcptReplies.add(connection.read(settings.replyTimeout()));
            }
        }
        return new EnvelopeReplies(mailReply, rcptReplies, null);
    }

    /** The content after a 354, and the reply to the final dot: one per accepted recipient under LMTP. */
    private void sendMessage(InputStream content, byte[] signature, List<Integer> accepted) throws IOException {
        stage = "message content";
        // the signature's header fields go on top of the content, in the same dot-stuffed stream
        connection.sendContent(
                signature.length == 0
                        ? content
                        : new SequenceInputStream(new ByteArrayInputStream(signature), content));
        stage = "end of data";
        if (lmtp) {
            for (int i : accepted) {
                result(i, connection.read(settings.dataDoneTimeout()));
            }
        } else {
            SmtpReply done = connection.read(settings.dataDoneTimeout());
            for (int i : accepted) {
                result(i, done);
            }
        }
    }

    /**
     * The DKIM header fields for this transaction, computed once before MAIL FROM on this worker
     * thread, over the content as it is sent (the 7-bit conversion when there is one); empty without
     * a signer, and for mail that does not originate here (received from the Internet: our keys never
     * sign it, whatever its From says).
     */
    private byte[] sign(QueuedMessage m, byte[] sevenBit) throws IOException {
        if (signer == null || !m.envelope().origin().originatesHere()) {
            return new byte[0];
        }
        String fields;
        try (InputStream in = sevenBit == null ? spool.openContent(m.id()) : new ByteArrayInputStream(sevenBit)) {
            fields = signer.sign(m.envelope(), in);
        }
        if (fields == null || fields.isEmpty()) {
            return new byte[0];
        }
        if (!fields.endsWith("\r\n")) {
            // the header section must go on: a field that lacks its line end would swallow the next
            fields = fields + "\r\n";
        }
        return fields.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Whether the message must be converted for a next hop without 8BITMIME: it says BODY=8BITMIME,
     * or it has 8-bit octets although its sender did not say so (Postfix looks at the content too).
     */
    private boolean needsSevenBit(QueuedMessage m) throws IOException {
        if ("8BITMIME".equalsIgnoreCase(m.envelope().mailParameters().get("BODY"))) {
            return true;
        }
        try (InputStream in = spool.openContent(m.id())) {
            return MimeDowngrade.hasEightBit(in);
        }
    }

    /** After a pipelined DATA that was answered 354 although nothing may be sent: an empty message ends it. */
    private void endUnwantedData(SmtpReply dataReply) throws IOException {
        if (dataReply != null && dataReply.code() == 354) {
            connection.send(".");
            connection.read(settings.replyTimeout());
        }
    }

    private void result(int index, SmtpReply reply) {
        Outcome o = reply.isPositive() ? Outcome.DELIVERED : reply.isPermanent() ? Outcome.BOUNCED : Outcome.DEFERRED;
        String status = reply.status();
        if (o == Outcome.DEFERRED && !status.startsWith("4")) {
            // a 1xx/3xx reply where a 2xx/4xx/5xx belongs: a protocol error, try again later
            status = "4.5.0";
        }
        results.put(
                index,
                new RecipientResult(
                        index,
                        job.recipient(index),
                        o,
                        status,
                        reply.text(),
                        connection.host(),
                        connection.relay(),
                        clock.instant(),
                        connection.tlsLog(),
                        connection.offers("DSN") ? RecipientResult.Handoff.PASSED_ON : null));
    }

    private List<RecipientResult> rest(String status, String reply, String host, String relay) {
        connection.markBroken();
        for (int i : job.indexes()) {
            results.computeIfAbsent(
                    i,
                    k -> new RecipientResult(
                            k,
                            job.recipient(k),
                            Outcome.DEFERRED,
                            status,
                            reply,
                            host,
                            relay,
                            clock.instant(),
                            host.isEmpty() ? "" : connection.tlsLog()));
        }
        return list();
    }

    private List<RecipientResult> list() {
        return new ArrayList<>(results.values());
    }
}
