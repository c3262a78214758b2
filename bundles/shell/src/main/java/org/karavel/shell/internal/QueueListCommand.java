package org.karavel.shell.internal;

import java.time.Instant;
import java.time.ZoneId;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.queue.DeliveryControl;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuePage;
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

    @Option(
            name = "-n",
            aliases = "--limit",
            description = "At most this many messages (1-" + MAX_LIMIT + ", default " + DEFAULT_LIMIT + ")")
    int limit = DEFAULT_LIMIT;

    @Option(name = "--after", description = "Start after this queue id (the next page's cursor a listing prints)")
    String after;

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 10_000;

    @Override
    public Object execute() {
        if (spool == null) {
            System.err.println("The spool bundle (org.karavel.spool) is not running.");
            return null;
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            System.err.println("queue-list: --limit must be 1-" + MAX_LIMIT);
            return null;
        }
        QueueId from;
        try {
            from = after == null || after.isBlank() ? null : new QueueId(after.trim());
        } catch (IllegalArgumentException e) {
            System.err.println("queue-list: " + after + ": not a queue id");
            return null;
        }
        String wanted = domain == null || domain.isBlank() ? null : QueueListing.domainKey(domain);
        // one page from the spool's index: only its records are read, however long the queue
        QueuePage page = spool.page(from, wanted, limit);
        new QueueListing(ZoneId.systemDefault(), Instant.now(), this::category)
                .withSites(this::site)
                .write(page.messages(), domain, System.out);
        if (page.next() != null) {
            System.out.println("-- " + page.total() + " in all; next page: mta:queue-list"
                    + (wanted == null ? "" : " --domain " + wanted) + " --limit " + limit + " --after " + page.next());
        }
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
