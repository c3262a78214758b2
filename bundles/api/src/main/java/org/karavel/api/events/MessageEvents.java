package org.karavel.api.events;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where bundles hand message events. {@link #publish} never blocks on the network or the disk for
 * long: the implementation queues the event and makes it durable in groups; callers may be delivery
 * workers or SMTP worker threads, never a MINA I/O thread.
 */
public interface MessageEvents {

    /** Takes the event; it will reach every configured endpoint at least once. */
    void publish(MessageEvent event);

    /**
     * Takes several events at once, e.g. the recipients of one delivery attempt: the implementation
     * waits once for all of them rather than once per event. By default one {@link #publish} each.
     *
     * @since 1.1
     */
    default void publishAll(List<MessageEvent> events) {
        events.forEach(this::publish);
    }

    /**
     * Takes several events and returns at once; the stage completes (normally, whatever happened to
     * them) once they are stored or the implementation gave up waiting. For callers that must not
     * record what follows the events before them (delivery) but need not wait on a thread. The
     * implementation may hold such events a moment to store them together with others. By default
     * {@link #publishAll}, then a completed stage.
     *
     * @since 1.2
     */
    default CompletionStage<Void> publishAllAsync(List<MessageEvent> events) {
        publishAll(events);
        return CompletableFuture.completedFuture(null);
    }
}
