package org.karavel.delivery.internal;

import java.time.Duration;
import java.time.Instant;
import org.karavel.api.maillog.MailLogLine;
import org.karavel.api.queue.QueueId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivery's lines of the mail log (logger {@code karavel.mail}): each recipient's result, the DSN
 * and the removal, all worded by {@link MailLogLine} so that {@code grep ID} tells a message's
 * story in one vocabulary whichever bundle wrote the line.
 */
final class MailLog {
    static final Logger LOG = LoggerFactory.getLogger("karavel.mail");

    private MailLog() {}

    /**
     * {@code ID: delivered to=<r> relay=h[ip]:port delay=0.4 attempts=1 status=sent (250 2.0.0 Ok)},
     * and so on; remote SMTP adds the TLS outcome, a failure its category, before {@code status=}.
     */
    static String result(QueueId id, RecipientResult r, Instant receivedAt, int attempts) {
        return result(id, r, receivedAt, attempts, null);
    }

    /** As above; a failure's category, when given, goes before {@code status=}. */
    static String result(QueueId id, RecipientResult r, Instant receivedAt, int attempts, BounceCategory category) {
        return result(id, r, null, receivedAt, attempts, category);
    }

    /** As above, with the traffic-shaping site ({@code site=} after {@code relay=}) when there is one. */
    static String result(
            QueueId id, RecipientResult r, String site, Instant receivedAt, int attempts, BounceCategory category) {
        Duration delay = Duration.between(receivedAt, r.at());
        String c = category == null ? null : category.word();
        return switch (r.outcome()) {
            case DELIVERED ->
                MailLogLine.delivered(id, r.recipient(), r.relay(), site, delay, attempts, r.tls(), r.reply());
            case BOUNCED ->
                MailLogLine.bounced(id, r.recipient(), r.relay(), site, delay, attempts, r.tls(), c, r.reply());
            case DEFERRED ->
                MailLogLine.deferred(id, r.recipient(), r.relay(), site, delay, attempts, r.tls(), c, r.reply());
        };
    }

    static void log(String line) {
        LOG.info(line);
    }
}
