package org.karavel.api.fleet;

import java.util.List;

/** The nodes sharing one store, as their heartbeats tell; published only when a store is set. */
public interface Fleet {
    /** This node as it last announced itself. */
    FleetNode self();

    /**
     * Every node seen in the store, this one included, ordered by name; a node whose heartbeat
     * stopped is listed as gone until its record expires. Answers from the last heartbeat round,
     * never waits for the store.
     */
    List<FleetNode> nodes();

    /** Nodes whose heartbeat is current (at least 1, this node), for sharing a budget locally. */
    int liveNodes();

    /** Whether the shared store answers now; false means every shared service runs degraded. */
    boolean storeReachable();
}
