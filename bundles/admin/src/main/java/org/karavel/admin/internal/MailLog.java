package org.karavel.admin.internal;

import java.util.function.Consumer;
import org.karavel.api.address.MailAddress;
import org.karavel.api.maillog.MailLogLine;
import org.karavel.api.maillog.MailLogLine.RemovedBy;
import org.karavel.api.queue.QueueId;
import org.slf4j.LoggerFactory;

/**
 * The admin API's lines of the mail log (logger {@code karavel.mail}): received and removed,
 * worded by {@link MailLogLine} like every other bundle's, so that {@code grep ID} tells a
 * message's whole story.
 */
final class MailLog {
    /** What {@code AdminApi} names a client that needed no token; no user for the mail log. */
    private static final String NO_USER = "a trusted client";

    private final Consumer<String> out;
    private volatile MessageEventsOut events = MessageEventsOut.NONE;

    MailLog(Consumer<String> out) {
        this.out = out;
    }

    static MailLog slf4j() {
        return new MailLog(LoggerFactory.getLogger("karavel.mail")::info);
    }

    /** The message events that go with the lines (the events service, if one runs). */
    MessageEventsOut events() {
        return events;
    }

    MailLog events(MessageEventsOut out) {
        this.events = out;
        return this;
    }

    /** {@code ID: received from=<s> size=n nrcpt=n client=[ip] user=<u> listener=admin}. */
    void received(QueueId id, MailAddress sender, long size, int recipients, String clientIp, String user) {
        out.accept(MailLogLine.received(id, sender, size, recipients, clientIp, null, user(user), "admin"));
    }

    /** {@code ID: removed by=admin client=[ip] user=<u>}. */
    void removed(QueueId id, String clientIp, String user) {
        out.accept(MailLogLine.removed(id, RemovedBy.ADMIN, clientIp, user(user)));
    }

    /** The user field is left out for a client that needed no token. */
    private static String user(String user) {
        return user == null || user.equals(NO_USER) ? null : user;
    }
}
