package org.karavel.shell.internal;

import java.util.Map;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.greylist.Greylist;
import org.karavel.api.greylist.GreylistStats;

/** {@code mta:greylist-stats}: the size of the greylist and its decisions since start. */
@Command(
        scope = "mta",
        name = "greylist-stats",
        description = "Shows greylist figures: triplets, whitelisted networks, deferrals and passes since start")
@Service
public class GreylistStatsCommand implements Action {
    @Reference(optional = true)
    Greylist greylist;

    @Override
    public Object execute() {
        if (greylist == null) {
            System.err.println("The greylist bundle (org.karavel.greylist) is not running.");
            return null;
        }
        GreylistStats s = greylist.stats();
        System.out.printf("Triplets:                 %d (%d passed)%n", s.entries(), s.passedEntries());
        System.out.printf("Auto-whitelisted networks: %d%n", s.autoWhitelistedClients());
        System.out.printf("Networks allowed by hand:  %d%n", s.allowedNetworks());
        System.out.printf("Deferred since start:      %d%n", s.deferred());
        for (Map.Entry<String, Long> e : s.passed().entrySet()) {
            System.out.printf(
                    "Passed (%s):%s%d%n",
                    e.getKey(), " ".repeat(Math.max(1, 18 - e.getKey().length())), e.getValue());
        }
        return null;
    }
}
