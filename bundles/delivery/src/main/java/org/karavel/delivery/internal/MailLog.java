package org.karavel.delivery.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import org.karavel.api.queue.QueueId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mail log (logger {@code karavel.mail}): one line per message event, starting with the queue id,
 * so that {@code grep ID} tells a message's story.
 */
final class MailLog {
    static final Logger LOG = LoggerFactory.getLogger("karavel.mail");

    private MailLog() {}

    /**
     * {@code ID: delivered to=<r> relay=h[ip]:port delay=0.4 attempts=1 status=sent (250 2.0.0 Ok)}, and so on;
     * remote SMTP adds the TLS outcome before {@code status=}: {@code tls=TLSv1.3:TLS_AES_256_GCM_SHA384
     * verified=yes policy=Opportunistic/none}.
     */
    static String result(QueueId id, RecipientResult r, Instant receivedAt, int attempts) {
        String event;
        String status;
        switch (r.outcome()) {
            case DELIVERED -> {
                event = "delivered";
                status = "sent";
            }
            case BOUNCED -> {
                event = "bounced";
                status = "bounced";
            }
            default -> {
                event = "deferred";
                status = "deferred";
            }
        }
        // the TLS words go before status=, so that the free-form reply in parentheses stays last
        return id + ": " + event + " to=" + r.recipient().toPath() + " relay=" + r.relay() + " delay="
                + delay(receivedAt, r.at()) + " attempts=" + attempts
                + (r.tls().isEmpty() ? "" : " " + oneLine(r.tls()))
                + " status=" + status + " (" + oneLine(r.reply()) + ")";
    }

    static String dsnQueued(QueueId id, QueueId dsnId, String sender) {
        return id + ": dsn " + dsnId + " queued for <" + sender + ">";
    }

    /** {@code ID: bounced to=<r> delay=12 status=bounced (operator: reason)}. */
    static String operatorBounce(
            QueueId id, org.karavel.api.address.MailAddress recipient, Instant receivedAt, Instant now, String reason) {
        return id + ": bounced to=" + recipient.toPath() + " relay=none delay=" + delay(receivedAt, now)
                + " status=bounced (operator: " + oneLine(reason) + ")";
    }

    static String removed(QueueId id) {
        return id + ": removed";
    }

    static void log(String line) {
        LOG.info(line);
    }

    /** Seconds since the message arrived: one decimal below 10 s, whole seconds above. */
    static String delay(Instant from, Instant to) {
        Duration d = Duration.between(from, to);
        if (d.isNegative()) {
            d = Duration.ZERO;
        }
        double s = d.toMillis() / 1000.0;
        return s < 10 ? String.format(Locale.ROOT, "%.1f", s) : Long.toString(Math.round(s));
    }

    private static String oneLine(String s) {
        return s.replace('\r', ' ').replace('\n', ' ');
    }
}
