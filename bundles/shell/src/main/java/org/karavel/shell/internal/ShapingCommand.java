package org.karavel.shell.internal;

import java.time.Instant;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.shaping.SitePolicies;
import org.karavel.api.shaping.SiteTraffic;

/** {@code mta:shaping}: traffic-shaping sites, their limits and traffic now, and the active reactions. */
@Command(
        scope = "mta",
        name = "shaping",
        description = "Lists traffic-shaping sites (limits, connections, messages in the last minute) and the active"
                + " reactions with their end")
@Service
public class ShapingCommand implements Action {
    @Reference(optional = true)
    SitePolicies policies;

    @Reference(optional = true)
    SiteTraffic traffic;

    @Override
    public Object execute() {
        if (policies == null) {
            System.err.println("The shaping bundle (org.karavel.shaping) is not running.");
            return null;
        }
        ShapingListing.print(policies, traffic, Instant.now(), System.out);
        return null;
    }
}
