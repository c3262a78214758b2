package org.karavel.shell.internal;

import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.karavel.api.shaping.ShapingAction;
import org.karavel.api.shaping.SiteLimits;
import org.karavel.api.shaping.SitePolicies;
import org.karavel.api.shaping.SiteTraffic;

/**
 * What {@code mta:shaping} prints: every site with a rule or with traffic now, its limits in force
 * (as reactions lowered them), its connections and messages of the last minute; then the active
 * reactions with their end.
 */
final class ShapingListing {
    private ShapingListing() {}

    static void print(SitePolicies policies, SiteTraffic traffic, Instant now, PrintStream out) {
        Map<String, SiteTraffic.Load> load = traffic == null ? Map.of() : traffic.sites();
        Map<String, SiteLimits> sites = new TreeMap<>();
        for (SiteLimits l : policies.rules()) {
            sites.put(l.site(), policies.limits(l.site(), now));
        }
        for (String s : load.keySet()) {
            sites.computeIfAbsent(s, x -> policies.limits(x, now));
        }
        String format = "%-24s %5s %5s %8s %10s %5s %8s  %s%n";
        out.printf(format, "SITE", "CONNS", "MAX", "SENT/MIN", "RATE", "BURST", "PER_CONN", "STATE");
        sites.forEach((name, l) -> {
            SiteTraffic.Load n = load.getOrDefault(name, new SiteTraffic.Load(0, 0));
            out.printf(
                    format,
                    name,
                    n.connections(),
                    l.maxConnections() == 0 ? "-" : Integer.toString(l.maxConnections()),
                    n.sentLastMinute(),
                    l.maxMessageRate() == null ? "-" : l.maxMessageRate().toString(),
                    l.burst(),
                    l.maxDeliveriesPerConnection() == 0 ? "-" : Integer.toString(l.maxDeliveriesPerConnection()),
                    l.isSuspended(now) ? "suspended until " + second(l.suspendedUntil()) : "open");
        });
        if (traffic == null) {
            out.println("(the delivery bundle is not running: no connection or sending figures)");
        }
        List<ShapingAction> actions = policies.actions(now);
        out.println();
        if (actions.isEmpty()) {
            out.println("No active reactions.");
            return;
        }
        out.printf("%-24s %-12s %-10s %-20s %s%n", "SITE", "ACTION", "LIMIT", "UNTIL", "RULE (REPLY)");
        for (ShapingAction a : actions) {
            String limit = switch (a.kind()) {
                case RATE -> String.valueOf(a.rate());
                case CONNECTIONS -> Integer.toString(a.connections());
                default -> "-";
            };
            out.printf(
                    "%-24s %-12s %-10s %-20s %s (%s)%n",
                    a.site(), a.kind().word(), limit, second(a.until()), a.rule(), a.reply());
        }
    }

    private static String second(Instant i) {
        return i.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
