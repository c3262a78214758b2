package org.karavel.shell.internal;

import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.queue.DeliveryControl;
import org.karavel.api.queue.Spool;
import org.karavel.shell.internal.completers.DomainCompleter;
import org.karavel.shell.internal.completers.QueueIdCompleter;

/** {@code mta:queue-flush}: makes messages due now, like {@code postqueue -f} (all) or {@code -i} (some). */
@Command(
        scope = "mta",
        name = "queue-flush",
        description = "Attempts delivery of queued messages now: the given ones, those with recipients at --domain, "
                + "or all without arguments")
@Service
public class QueueFlushCommand implements Action {
    // optional: one missing service must not take every mta command away with it
    @Reference(optional = true)
    Spool spool;

    @Reference(optional = true)
    DeliveryControl delivery;

    @Option(
            name = "-d",
            aliases = "--domain",
            description = "Only messages with pending recipients at this domain (a suspended domain stays suspended)")
    @Completion(DomainCompleter.class)
    String domain;

    @Argument(
            index = 0,
            name = "ids",
            description = "Queue ids of the messages to flush (default: all)",
            required = false,
            multiValued = true)
    @Completion(QueueIdCompleter.class)
    List<String> ids;

    @Override
    public Object execute() {
        if (domain != null && !domain.isBlank()) {
            if (ids != null && !ids.isEmpty()) {
                System.err.println("queue-flush: give either queue ids or --domain, not both");
                return null;
            }
            if (delivery == null) {
                System.err.println("The delivery bundle (org.karavel.delivery) is not running.");
                return null;
            }
            new DeliveryOrders(delivery).flushDomain(domain, System.out);
            return null;
        }
        if (spool == null) {
            System.err.println("The spool bundle (org.karavel.spool) is not running.");
            return null;
        }
        new QueueFlush(spool).flush(ids, System.out, System.err);
        return null;
    }
}
