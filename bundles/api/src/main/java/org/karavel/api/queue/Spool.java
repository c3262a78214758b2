package org.karavel.api.queue;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The durable queue of messages. Every change that returns a stage is durable (fsynced) when the
 * stage completes; changes from many callers share one commit, so durability costs latency, not
 * throughput.
 */
public interface Spool {
    /** Starts receiving a new message. Fails with {@link SpoolFullException} when there is no room. */
    MessageDraft create() throws IOException;

    Optional<QueuedMessage> get(QueueId id);

    /** A snapshot of every message in the queue, oldest first. */
    List<QueuedMessage> list();

    /** Messages with pending recipients whose next attempt is at or before {@code now}, oldest first. */
    List<QueuedMessage> due(Instant now, int limit);

    /** The number of messages in the queue. */
    int size();

    /** Opens the content of a message (CRLF line ends). The caller closes the stream. */
    InputStream openContent(QueueId id) throws IOException;

    /** Records a changed state (recipients, attempts, next attempt) of a message that is in the queue. */
    CompletionStage<Void> update(QueuedMessage message);

    /** Removes a message and its content. Completes with false when there was no such message. */
    CompletionStage<Boolean> remove(QueueId id);

    /** Makes one message due now; false when there is no such message. Listeners are told. */
    boolean flush(QueueId id);

    /** Makes every message due now and tells listeners. Returns how many messages that was. */
    int flushAll();

    /** Registers a callback run (on a spool thread, briefly) when messages are queued or flushed. */
    void addListener(Runnable listener);

    void removeListener(Runnable listener);
}
