package org.karavel.api.fleet;

import java.time.Duration;
import java.time.Instant;
import org.karavel.api.queue.Spool;

/**
 * One node of a fleet as its heartbeat described it.
 *
 * @param name the node's name (its host name unless configured)
 * @param version the Karavel version it runs
 * @param queueSize messages in its spool
 * @param oldestMessageAge age of its oldest queued message, zero when the queue is empty
 * @param lastSeen when its last heartbeat was written
 * @param gone whether the heartbeat stopped (older than the configured timeout)
 */
public record FleetNode(
        String name, String version, long queueSize, Duration oldestMessageAge, Instant lastSeen, boolean gone) {

    /**
     * This node as a heartbeat would describe it, counted from the spool's index (no record reads);
     * queue size -1 while no spool runs.
     */
    public static FleetNode describe(String name, String version, Spool spool, Instant now) {
        if (spool == null) {
            return new FleetNode(name, version, -1, Duration.ZERO, now, false);
        }
        Instant[] oldest = {now};
        spool.forEachPending((receivedAt, domains) -> {
            if (receivedAt.isBefore(oldest[0])) {
                oldest[0] = receivedAt;
            }
        });
        return new FleetNode(name, version, spool.size(), Duration.between(oldest[0], now), now, false);
    }
}
