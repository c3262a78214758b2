package org.karavel.admin.internal;

import java.util.function.Consumer;
import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.QueueId;
import org.slf4j.LoggerFactory;

/**
 * The mail log lines of the admin API, on the logger {@code karavel.mail}, starting with the queue
 * id, in the same shape as the smtp bundle's so that {@code grep ID} tells the whole story.
 */
final class MailLog {
    private final Consumer<String> out;

    MailLog(Consumer<String> out) {
        this.out = out;
    }

    static MailLog slf4j() {
        return new MailLog(LoggerFactory.getLogger("karavel.mail")::info);
    }

    /** {@code ID: received from=<s> size=n nrcpt=n client=[ip] user=<u> listener=admin}. */
    void received(QueueId id, MailAddress sender, long size, int recipients, String clientIp, String user) {
        out.accept(id + ": received from=" + sender.toPath() + " size=" + size + " nrcpt=" + recipients + " client=["
                + clientIp + "] user=<" + user + "> listener=admin");
    }

    /** {@code ID: removed by admin user=<u> client=[ip]}, as Postfix logs postsuper -d. */
    void removed(QueueId id, String clientIp, String user) {
        out.accept(id + ": removed by admin user=<" + user + "> client=[" + clientIp + "]");
    }
}
