package org.karavel.shell.internal;

import java.time.Instant;
import java.time.ZoneId;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.queue.DeliveryControl;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.api.queue.Spool;

/** {@code mta:queue-list}: the queue, like Postfix's mailq. */
@Command(
        scope = "mta",
        name = "queue-list",
        description = "Lists the mail queue like mailq: each message with its recipients, their state and last reply")
@Service
public class QueueListCommand implements Action {
    // optional: one missing service must not take every mta command away with it
    @Reference(optional = true)
    Spool spool;

    /** Absent (delivery not running): no bounce categories shown. */
    @Reference(optional = true)
    DeliveryControl delivery;

    @Option(
            name = "-d",
            aliases = "--domain",
            description = "Only messages with recipients in this domain, and only those recipients")
    String domain;

    @Override
    public Object execute() {
        if (spool == null) {
            System.err.println("The spool bundle (org.karavel.spool) is not running.");
            return null;
        }
        new QueueListing(ZoneId.systemDefault(), Instant.now(), this::category)
                .withSites(this::site)
                .write(spool.list(), domain, System.out);
        return null;
    }

    private String site(String recipientDomain) {
        DeliveryControl d = delivery;
        return d == null ? "" : d.siteOf(recipientDomain);
    }

    private String category(RecipientStatus r) {
        DeliveryControl d = delivery;
        return d == null ? "" : d.failureCategory(r);
    }
}
