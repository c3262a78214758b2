package org.karavel.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.queue.DeliveryControl;
import org.karavel.shell.internal.completers.DomainCompleter;

/** {@code mta:domain-resume}: ends a suspension and makes the domain's mail due now. */
@Command(
        scope = "mta",
        name = "domain-resume",
        description = "Resumes delivery to a suspended recipient domain; its queued mail is attempted at once")
@Service
public class DomainResumeCommand implements Action {
    @Reference(optional = true)
    DeliveryControl delivery;

    @Argument(index = 0, name = "domain", description = "The recipient domain", required = true)
    @Completion(DomainCompleter.class)
    String domain;

    @Override
    public Object execute() {
        if (delivery == null) {
            System.err.println("The delivery bundle (org.karavel.delivery) is not running.");
            return null;
        }
        new DeliveryOrders(delivery).resume(domain, System.out, System.err);
        return null;
    }
}
