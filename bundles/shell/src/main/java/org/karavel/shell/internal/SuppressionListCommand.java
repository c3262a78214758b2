package org.karavel.shell.internal;

import java.time.ZoneId;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.suppression.SuppressionList;
import org.karavel.api.suppression.SuppressionQuery;
import org.osgi.framework.BundleContext;

/** {@code mta:suppression-list}: the suppressed recipients, in address order, a page at a time. */
@Command(
        scope = "mta",
        name = "suppression-list",
        description = "Lists the suppression list: address, category, created, expires, source, reason")
@Service
public class SuppressionListCommand implements Action {
    // optional: one missing service must not take every mta command away with it
    @Reference(optional = true)
    SuppressionList list;

    @Reference
    BundleContext bundleContext;

    @Option(name = "-a", aliases = "--address", description = "Only addresses containing this (e.g. @example.com)")
    String address = "";

    @Option(name = "-c", aliases = "--category", description = "Only this category (invalid_recipient, manual, ...)")
    String category = "";

    @Option(name = "--after", description = "Start after this address (the last one of the previous page)")
    String after = "";

    @Option(name = "-n", aliases = "--limit", description = "At most this many entries (default 100)")
    int limit = SuppressionQuery.DEFAULT_LIMIT;

    @Override
    public Object execute() {
        list = BestService.of(bundleContext, SuppressionList.class, list);
        if (list == null) {
            System.err.println("The suppression bundle (org.karavel.suppression) is not running.");
            return null;
        }
        SuppressionQuery query;
        try {
            query = new SuppressionQuery(address, category, after, limit);
        } catch (IllegalArgumentException e) {
            System.err.println("suppression-list: " + e.getMessage());
            return null;
        }
        new SuppressedRecipients(list, ZoneId.systemDefault()).list(query, System.out);
        return null;
    }
}
