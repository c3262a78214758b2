package org.karavel.shell.internal;

import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.queue.DeliveryControl;
import org.karavel.shell.internal.completers.QueueIdCompleter;

/** {@code mta:queue-bounce}: fails a message's pending recipients now and tells the sender. */
@Command(
        scope = "mta",
        name = "queue-bounce",
        description = "Bounces a queued message: its pending recipients fail with the reason given, the sender gets "
                + "a delivery status notification (none for a bounce), and the message leaves the queue")
@Service
public class QueueBounceCommand implements Action {
    @Reference(optional = true)
    DeliveryControl delivery;

    @Argument(index = 0, name = "id", description = "The queue id", required = true)
    @Completion(QueueIdCompleter.class)
    String id;

    @Argument(
            index = 1,
            name = "reason",
            description = "Why, in words for the sender (default: bounced by the operator)",
            required = false,
            multiValued = true)
    List<String> reason;

    @Override
    public Object execute() {
        if (delivery == null) {
            System.err.println("The delivery bundle (org.karavel.delivery) is not running.");
            return null;
        }
        new DeliveryOrders(delivery)
                .bounce(id, reason == null ? null : String.join(" ", reason), System.out, System.err);
        return null;
    }
}
