package org.karavel.shell.internal;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.greylist.Greylist;
import org.karavel.api.greylist.GreylistEntry;

/** {@code mta:greylist-list}: the greylist triplets, most recently seen first. */
@Command(
        scope = "mta",
        name = "greylist-list",
        description = "Lists greylist triplets (client network, sender, recipient), most recently seen first")
@Service
public class GreylistListCommand implements Action {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    // optional: one missing service must not take every mta command away with it
    @Reference(optional = true)
    Greylist greylist;

    @Option(name = "-n", aliases = "--limit", description = "At most this many triplets (default 50)")
    int limit = 50;

    @Override
    public Object execute() {
        if (greylist == null) {
            System.err.println("The greylist bundle (org.karavel.greylist) is not running.");
            return null;
        }
        List<GreylistEntry> entries = greylist.entries(limit);
        if (entries.isEmpty()) {
            System.out.println("The greylist is empty.");
            return null;
        }
        ZoneId zone = ZoneId.systemDefault();
        String format = "%-24s %-32s %-32s %-19s %-19s %s%n";
        System.out.printf(format, "CLIENT NETWORK", "SENDER", "RECIPIENT", "FIRST SEEN", "LAST SEEN", "STATE");
        for (GreylistEntry e : entries) {
            System.out.printf(
                    format,
                    e.clientNetwork(),
                    e.sender(),
                    e.recipient(),
                    TIME.format(e.firstSeen().atZone(zone)),
                    TIME.format(e.lastSeen().atZone(zone)),
                    e.passed() ? "passed" : "greylisted");
        }
        System.out.println("-- " + entries.size() + (entries.size() == 1 ? " triplet" : " triplets")
                + (entries.size() == limit ? " shown (use --limit for more)." : "."));
        return null;
    }
}
