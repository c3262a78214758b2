package org.karavel.shell.internal;

import java.time.Instant;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.fleet.Fleet;
import org.karavel.api.queue.Spool;

/** {@code mta:nodes}: the nodes sharing this node's store, or this node alone without one. */
@Command(
        scope = "mta",
        name = "nodes",
        description = "Lists the nodes sharing this node's store (Redis): version, queue, oldest message, last"
                + " heartbeat, up or gone; this node alone without a shared store")
@Service
public class NodesCommand implements Action {
    @Reference(optional = true)
    Fleet fleet;

    @Reference(optional = true)
    Spool spool;

    @Override
    public Object execute() {
        NodeListing.print(fleet, spool, Instant.now(), System.out);
        return null;
    }
}
