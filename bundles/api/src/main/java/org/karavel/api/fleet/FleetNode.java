package org.karavel.api.fleet;

import java.time.Duration;
import java.time.Instant;

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
        String name, String version, long queueSize, Duration oldestMessageAge, Instant lastSeen, boolean gone) {}
