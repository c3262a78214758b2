package org.karavel.shell.internal.completers;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.karavel.api.queue.DeliveryControl;
import org.karavel.api.queue.Spool;

/** Completes recipient domains: those of pending recipients in the queue and the suspended ones. */
@Service
public class DomainCompleter implements Completer {
    @Reference(optional = true)
    Spool spool;

    @Reference(optional = true)
    DeliveryControl delivery;

    public DomainCompleter() {}

    /** For tests. */
    public DomainCompleter(Spool spool, DeliveryControl delivery) {
        this.spool = spool;
        this.delivery = delivery;
    }

    /** The candidate domains, sorted, lower case. */
    public Set<String> domains() {
        TreeSet<String> domains = new TreeSet<>();
        if (spool != null) {
            // from the spool's index: no record read
            spool.forEachPending((received, pending) -> domains.addAll(pending));
        }
        if (delivery != null) {
            domains.addAll(delivery.suspendedDomains());
        }
        return domains;
    }

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return new StringsCompleter(domains()).complete(session, commandLine, candidates);
    }
}
