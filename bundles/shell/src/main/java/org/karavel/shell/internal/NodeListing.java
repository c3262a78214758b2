package org.karavel.shell.internal;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.karavel.api.fleet.Fleet;
import org.karavel.api.fleet.FleetNode;
import org.karavel.api.net.MachineName;
import org.karavel.api.queue.Spool;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;

/**
 * What {@code mta:nodes} prints: one line per node of the fleet (as {@code GET /api/v1/nodes}
 * gives them), then whether the store answers; without a {@link Fleet}, this node from its spool.
 */
final class NodeListing {
    static final String NO_STORE = "(no shared store configured: this node only)";

    private NodeListing() {}

    static void print(Fleet fleet, Spool spool, Instant now, PrintStream out) {
        List<FleetNode> nodes = fleet == null ? List.of(thisNode(spool, now)) : fleet.nodes();
        String format = "%-32s %-24s %7s %10s %-20s %s%n";
        out.printf(format, "NODE", "VERSION", "QUEUE", "OLDEST", "LAST SEEN", "STATE");
        for (FleetNode n : nodes) {
            out.printf(
                    format,
                    n.name(),
                    n.version(),
                    n.queueSize() < 0 ? "-" : Long.toString(n.queueSize()),
                    age(n.oldestMessageAge()),
                    n.lastSeen().truncatedTo(ChronoUnit.SECONDS),
                    n.gone() ? "gone" : "up");
        }
        if (fleet == null) {
            out.println(NO_STORE);
        } else if (fleet.storeReachable()) {
            out.println(fleet.liveNodes() + " live node(s); the shared store answers.");
        } else {
            out.println("The shared store does not answer: this node runs degraded (local counts, greylisting open).");
        }
    }

    /** 0s, 95s → 1m35s, 2h3m: short enough for a column. */
    static String age(Duration d) {
        long s = d.toSeconds();
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m" + (s % 60) + "s";
        }
        return (s / 3600) + "h" + (s % 3600 / 60) + "m";
    }

    /** This node as a heartbeat would describe it; queue size -1 while no spool runs. */
    static FleetNode thisNode(Spool spool, Instant now) {
        Bundle b = FrameworkUtil.getBundle(NodeListing.class);
        return FleetNode.describe(
                MachineName.forSmtp(), b == null ? "unknown" : b.getVersion().toString(), spool, now);
    }
}
