package org.karavel.admin.internal;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.karavel.api.fleet.Fleet;
import org.karavel.api.fleet.FleetNode;
import org.karavel.api.net.MachineName;
import org.karavel.api.queue.Spool;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;

/**
 * {@code GET /api/v1/nodes}: the nodes of the fleet as their heartbeats tell ({@code mta:nodes});
 * without a shared store, this node alone, from its own spool.
 */
final class NodeEndpoints {
    static final String NO_STORE = "no shared store configured";

    private final AdminServices services;
    private final Supplier<Instant> clock;

    NodeEndpoints(AdminServices services, Supplier<Instant> clock) {
        this.services = services;
        this.clock = clock;
    }

    Map<String, Object> nodes() {
        Fleet fleet = services.fleet;
        Instant now = clock.get();
        List<FleetNode> nodes = fleet == null ? List.of(thisNode(services.spool, now)) : fleet.nodes();
        List<Map<String, Object>> list = new ArrayList<>();
        for (FleetNode n : nodes) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", n.name());
            m.put("version", n.version());
            m.put("queue_size", n.queueSize() < 0 ? null : n.queueSize());
            m.put("oldest_message_age_seconds", n.oldestMessageAge().toSeconds());
            m.put("last_seen", n.lastSeen().truncatedTo(ChronoUnit.SECONDS).toString());
            m.put("gone", n.gone());
            list.add(m);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("shared_store", fleet != null);
        body.put("store_reachable", fleet != null && fleet.storeReachable());
        body.put("live_nodes", fleet == null ? 1 : fleet.liveNodes());
        if (fleet == null) {
            body.put("note", NO_STORE);
        }
        body.put("nodes", list);
        return body;
    }

    /** This node as a heartbeat would describe it; queue size -1 while no spool runs. */
    static FleetNode thisNode(Spool spool, Instant now) {
        return FleetNode.describe(MachineName.forSmtp(), version(), spool, now);
    }

    /** Karavel's version: this bundle's, as the features install every bundle of one release. */
    static String version() {
        Bundle b = FrameworkUtil.getBundle(NodeEndpoints.class);
        return b == null ? "unknown" : b.getVersion().toString();
    }
}
