package org.karavel.smtp.internal;

import java.util.function.Consumer;
import org.karavel.api.address.MailAddress;
import org.karavel.api.maillog.MailLogLine;
import org.karavel.api.queue.QueueId;
import org.slf4j.LoggerFactory;

/**
 * The SMTP listeners' lines of the mail log (logger {@code karavel.mail}): received and reject,
 * worded by {@link MailLogLine} like every other bundle's, so that {@code grep ID} tells a
 * message's whole story.
 */
final class MailLog {
    private final Consumer<String> out;

    MailLog(Consumer<String> out) {
        this.out = out;
    }

    static MailLog slf4j() {
        return new MailLog(LoggerFactory.getLogger("karavel.mail")::info);
    }

    /** {@code ID: received from=<s> size=n nrcpt=n client=[ip] helo=<h> listener=name}. */
    void received(
            QueueId id, MailAddress sender, long size, int recipients, String clientIp, String helo, String listener) {
        out.accept(MailLogLine.received(id, sender, size, recipients, clientIp, helo, null, listener));
    }

    /**
     * {@code NOQUEUE: reject stage=RCPT from=<s> to=<r> client=[ip] helo=<h> (554 5.7.1 text)}; the
     * parts not known yet at that stage are left out.
     */
    void reject(QueueId id, String stage, String clientIp, Reply reply, MailAddress from, MailAddress to, String helo) {
        out.accept(MailLogLine.reject(id, stage, from, to, clientIp, helo, reply.toString()));
    }
}
