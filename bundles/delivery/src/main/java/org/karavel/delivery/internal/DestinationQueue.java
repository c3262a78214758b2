package org.karavel.delivery.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.locks.Condition;
import java.util.function.Function;
import org.karavel.api.shaping.SiteLimits;

/** The jobs for one destination and the workers serving it. Guarded by the scheduler's lock. */
final class DestinationQueue {
    final Destination destination;
    final Deque<DeliveryJob> jobs = new ArrayDeque<>();
    final Condition arrived;
    int workers;
    int busy;
    int idle;
    /** The site its connections count under (the domain until its MX answer is known); null: not shaped. */
    String site;

    private final Duration connectionIdle;
    private final Function<String, SiteLimits> siteLimits;

    /**
     * @param arrived signalled under the scheduler's lock when a job arrives or a hold ends
     * @param connectionIdle delivery's connection_idle
     * @param siteLimits the limits a worker last read for a site (under the lock), or null
     */
    DestinationQueue(
            Destination destination,
            Condition arrived,
            Duration connectionIdle,
            Function<String, SiteLimits> siteLimits) {
        this.destination = destination;
        this.arrived = arrived;
        this.connectionIdle = connectionIdle;
        this.siteLimits = siteLimits;
    }

    /** How long an idle connection waits for more: the site's idle_timeout, else connection_idle. */
    Duration idle() {
        SiteLimits l = site == null ? null : siteLimits.apply(site);
        return l != null && l.idleTimeout() != null ? l.idleTimeout() : connectionIdle;
    }
}
