package org.karavel.shell.internal;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.queue.DeliveryControl;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.api.queue.Spool;
import org.karavel.shell.internal.completers.QueueIdCompleter;

/** {@code mta:queue-show}: one message in full, like {@code postcat -q}. */
@Command(
        scope = "mta",
        name = "queue-show",
        description = "Shows one queued message: envelope, attempts, next attempt, and per recipient its state, "
                + "remote host and last reply; --body prints the content too")
@Service
public class QueueShowCommand implements Action {
    @Reference(optional = true)
    Spool spool;

    /** Absent (delivery not running): no bounce categories shown. */
    @Reference(optional = true)
    DeliveryControl delivery;

    @Argument(index = 0, name = "id", description = "The queue id", required = true)
    @Completion(QueueIdCompleter.class)
    String id;

    @Option(name = "-b", aliases = "--body", description = "Also print the message content (headers and body)")
    boolean body;

    @Override
    public Object execute() throws IOException {
        if (spool == null) {
            System.err.println("The spool bundle (org.karavel.spool) is not running.");
            return null;
        }
        QueueId qid;
        try {
            qid = new QueueId(id.trim());
        } catch (IllegalArgumentException e) {
            System.err.println("queue-show: " + id + ": not a queue id");
            return null;
        }
        Optional<QueuedMessage> m = spool.get(qid);
        if (m.isEmpty()) {
            System.err.println("queue-show: " + qid + ": no such message in the queue");
            return null;
        }
        try (InputStream content = body ? spool.openContent(qid) : null) {
            new QueueShow(ZoneId.systemDefault(), Instant.now(), this::category).write(m.get(), content, System.out);
        }
        return null;
    }

    private String category(RecipientStatus r) {
        DeliveryControl d = delivery;
        return d == null ? "" : d.failureCategory(r);
    }
}
