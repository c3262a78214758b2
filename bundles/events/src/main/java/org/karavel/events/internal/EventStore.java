package org.karavel.events.internal;

/**
 * The outbox and the counters of the running events component, as a service inside this bundle,
 * for the webhook components (one per endpoint file). Not exported.
 */
public interface EventStore {
    EventOutbox outbox();

    EventsCounters counters();
}
