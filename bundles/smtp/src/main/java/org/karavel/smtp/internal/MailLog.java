package org.karavel.smtp.internal;

import java.util.function.Consumer;
import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.QueueId;
import org.slf4j.LoggerFactory;

/**
 * The mail log: one line per message event on the logger {@code karavel.mail}, starting with the
 * queue id or NOQUEUE, in the style of Postfix so that operators' tools and habits carry over.
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
        out.accept(id + ": received from=" + sender.toPath() + " size=" + size + " nrcpt=" + recipients + " client=["
                + clientIp + "] helo=<" + helo + "> listener=" + listener);
    }

    /**
     * {@code NOQUEUE: reject: RCPT from [ip]: 554 5.7.1 text; from=<s> to=<r> helo=<h>}; the parts
     * not known yet at that stage are left out.
     */
    void reject(QueueId id, String stage, String clientIp, Reply reply, MailAddress from, MailAddress to, String helo) {
        StringBuilder sb = new StringBuilder(160);
        sb.append(id == null ? "NOQUEUE" : id.value())
                .append(": reject: ")
                .append(stage)
                .append(" from [")
                .append(clientIp)
                .append("]: ")
                .append(reply)
                .append(';');
        if (from != null) {
            sb.append(" from=").append(from.toPath());
        }
        if (to != null) {
            sb.append(" to=").append(to.toPath());
        }
        if (helo != null) {
            sb.append(" helo=<").append(helo).append('>');
        }
        out.accept(sb.toString());
    }
}
