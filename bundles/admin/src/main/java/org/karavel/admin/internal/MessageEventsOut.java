package org.karavel.admin.internal;

import java.time.Instant;
import java.util.function.Supplier;
import org.karavel.api.events.MessageEvent;
import org.karavel.api.events.MessageEvents;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.QueueId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's message events ({@code received} for injected mail), handed to the events service
 * when one runs; called beside the mail log's line, on the admin's request thread, after the spool's
 * commit and before the answer (the publish waits for the event's group commit).
 */
final class MessageEventsOut {
    private static final Logger LOG = LoggerFactory.getLogger(MessageEventsOut.class);
    static final MessageEventsOut NONE = new MessageEventsOut(() -> null);

    private final Supplier<MessageEvents> events;

    MessageEventsOut(Supplier<MessageEvents> events) {
        this.events = events;
    }

    void received(QueueId id, Envelope envelope) {
        MessageEvents out = events.get();
        if (out == null) {
            return;
        }
        try {
            out.publish(MessageEvent.received(id, envelope, Instant.now()));
        } catch (RuntimeException e) {
            // the message is queued whatever happens to its event
            LOG.warn("{}: received event not published: {}", id, e.toString());
        }
    }
}
