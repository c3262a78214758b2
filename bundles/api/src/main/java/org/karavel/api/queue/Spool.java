package org.karavel.api.queue;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;

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

    /**
     * As {@link #due(Instant, int)}, without the messages {@code skip} names (e.g. those in flight):
     * a spool that keeps a schedule reads only the records it returns.
     *
     * @since 1.5
     */
    default List<QueuedMessage> due(Instant now, int limit, Predicate<QueueId> skip) {
        List<QueuedMessage> due = new ArrayList<>();
        for (QueuedMessage m : due(now, Integer.MAX_VALUE)) {
            if (due.size() >= limit) {
                break;
            }
            if (!skip.test(m.id())) {
                due.add(m);
            }
        }
        return due;
    }

    /**
     * Tells {@code visitor} about every message with pending recipients: what queue summaries count.
     * A spool with an index answers from memory, without reading the messages' records.
     *
     * @since 1.5
     */
    default void forEachPending(PendingVisitor visitor) {
        for (QueuedMessage m : list()) {
            List<String> domains = new ArrayList<>();
            for (RecipientStatus r : m.recipients()) {
                if (r.isPending()) {
                    domains.add(r.recipient().domainKey());
                }
            }
            if (!domains.isEmpty()) {
                visitor.visit(m.envelope().receivedAt(), domains);
            }
        }
    }

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
