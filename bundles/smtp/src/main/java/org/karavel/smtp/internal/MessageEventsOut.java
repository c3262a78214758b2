package org.karavel.smtp.internal;

import java.time.Instant;
import java.util.function.Supplier;
import org.karavel.api.events.MessageEvent;
import org.karavel.api.events.MessageEvents;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.QueueId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners' message events ({@code received}), handed to the events service when one runs;
 * called beside the mail log's line, on a worker thread (the publish waits for the event's group
 * commit, so a message that got its 250 has its event on disk).
 */
final class MessageEventsOut {
    private static final Logger LOG = LoggerFactory.getLogger(MessageEventsOut.class);
    static final MessageEventsOut NONE = new MessageEventsOut(() -> null);

    private final Supplier<MessageEvents> events;

    MessageEventsOut(Supplier<MessageEvents> events) {
        this.events = events;
    }

    /** The message is queued: one {@code received} event with every queued recipient. */
    void received(QueueId id, Envelope envelope) {
        MessageEvents out = events.get();
        if (out == null) {
            return;
        }
        try {
            out.publish(MessageEvent.received(id, envelope, Instant.now()));
        } catch (RuntimeException e) {
            // events are the application's news, the message is queued whatever happens to them
            LOG.warn("{}: received event not published: {}", id, e.toString());
        }
    }
}
