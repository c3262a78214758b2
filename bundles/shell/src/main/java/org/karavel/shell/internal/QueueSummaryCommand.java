package org.karavel.shell.internal;

import java.time.Instant;
import java.util.Set;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.queue.DeliveryControl;
import org.karavel.api.queue.Spool;

/** {@code mta:queue-summary}: the queue's shape by recipient domain and age, like Postfix's qshape. */
@Command(
        scope = "mta",
        name = "queue-summary",
        description = "Shows pending mail per recipient domain and age (minutes since arrival), like qshape; "
                + "suspended domains are marked")
@Service
public class QueueSummaryCommand implements Action {
    // optional: one missing service must not take every mta command away with it
    @Reference(optional = true)
    Spool spool;

    @Reference(optional = true)
    DeliveryControl delivery;

    @Override
    public Object execute() {
        if (spool == null) {
            System.err.println("The spool bundle (org.karavel.spool) is not running.");
            return null;
        }
        Set<String> suspended = delivery == null ? Set.of() : delivery.suspendedDomains();
        new QueueShape(Instant.now()).write(spool, suspended, System.out);
        return null;
    }
}
