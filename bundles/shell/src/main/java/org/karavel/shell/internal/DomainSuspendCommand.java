package org.karavel.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.queue.DeliveryControl;
import org.karavel.shell.internal.completers.DomainCompleter;

/** {@code mta:domain-suspend}: holds mail for one recipient domain in the queue. */
@Command(
        scope = "mta",
        name = "domain-suspend",
        description = "Stops delivery to a recipient domain: its mail stays queued, no attempt is counted, until "
                + "domain-resume (suspensions are kept in memory: a restart of the delivery bundle ends them)")
@Service
public class DomainSuspendCommand implements Action {
    @Reference(optional = true)
    DeliveryControl delivery;

    @Argument(index = 0, name = "domain", description = "The recipient domain, e.g. example.com", required = true)
    @Completion(DomainCompleter.class)
    String domain;

    @Override
    public Object execute() {
        if (delivery == null) {
            System.err.println("The delivery bundle (org.karavel.delivery) is not running.");
            return null;
        }
        new DeliveryOrders(delivery).suspend(domain, System.out);
        return null;
    }
}
