package org.karavel.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.queue.DeliveryControl;

/** {@code mta:domain-list-suspended}: the recipient domains whose delivery is suspended. */
@Command(
        scope = "mta",
        name = "domain-list-suspended",
        description = "Lists the recipient domains whose delivery is suspended, one per line")
@Service
public class DomainListSuspendedCommand implements Action {
    @Reference(optional = true)
    DeliveryControl delivery;

    @Override
    public Object execute() {
        if (delivery == null) {
            System.err.println("The delivery bundle (org.karavel.delivery) is not running.");
            return null;
        }
        new DeliveryOrders(delivery).listSuspended(System.out);
        return null;
    }
}
