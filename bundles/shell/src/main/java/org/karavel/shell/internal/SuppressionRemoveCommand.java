package org.karavel.shell.internal;

import java.time.ZoneId;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.suppression.SuppressionList;
import org.osgi.framework.BundleContext;

/** {@code mta:suppression-remove}: mail to the address is accepted again. */
@Command(
        scope = "mta",
        name = "suppression-remove",
        description = "Removes an address from the suppression list: application mail to it is accepted again")
@Service
public class SuppressionRemoveCommand implements Action {
    // optional: one missing service must not take every mta command away with it
    @Reference(optional = true)
    SuppressionList list;

    @Reference
    BundleContext bundleContext;

    @Argument(index = 0, name = "address", required = true, description = "The suppressed address")
    String address;

    @Override
    public Object execute() {
        list = BestService.of(bundleContext, SuppressionList.class, list);
        if (list == null) {
            System.err.println("The suppression bundle (org.karavel.suppression) is not running.");
            return null;
        }
        new SuppressedRecipients(list, ZoneId.systemDefault()).remove(address, System.out, System.err);
        return null;
    }
}
