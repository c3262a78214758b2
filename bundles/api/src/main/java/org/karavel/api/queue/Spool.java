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
     * The message is being delivered: due selection leaves it out, unvisited, until it is written again
     * (its attempt recorded) or {@link #putBack} is called, so a scan never steps over mail in flight.
     * A spool without a schedule may ignore it (callers still skip what is in flight).
     *
     * @since 1.7
     */
    default void setAside(QueueId id) {}

    /**
     * Undoes {@link #setAside}: the message is selected again when due (its attempt ended without a
     * write). Nothing happens when it was written meanwhile or was not set aside.
     *
     * @since 1.7
     */
    default void putBack(QueueId id) {}

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

    /**
     * Up to {@code limit} messages, oldest first, after the message {@code after} (a page's
     * {@link QueuePage#next() next}; null for the first page), only those with a pending recipient
     * at {@code domainKey} when it is not null. A spool with an index reads only the page's records.
     *
     * @since 1.6
     */
    default QueuePage page(QueueId after, String domainKey, int limit) {
        List<QueuedMessage> page = new ArrayList<>();
        int total = 0;
        QueueId next = null;
        for (QueuedMessage m : list()) {
            if (domainKey != null && !hasPendingAt(m, domainKey)) {
                continue;
            }
            total++;
            if (after != null && m.id().value().compareTo(after.value()) <= 0) {
                continue;
            }
            if (page.size() < limit) {
                page.add(m);
            } else if (next == null) {
                next = page.get(page.size() - 1).id();
            }
        }
        return new QueuePage(page, total, next);
    }

    /**
     * Makes every message with a pending recipient at {@code domainKey} due now and tells listeners;
     * returns how many. A spool with an index visits only that domain's messages.
     *
     * @since 1.6
     */
    default int flushPendingAt(String domainKey) {
        int n = 0;
        for (QueuedMessage m : list()) {
            if (hasPendingAt(m, domainKey) && flush(m.id())) {
                n++;
            }
        }
        return n;
    }

    private static boolean hasPendingAt(QueuedMessage m, String domainKey) {
        for (RecipientStatus r : m.recipients()) {
            if (r.isPending() && r.recipient().domainKey().equals(domainKey)) {
                return true;
            }
        }
        return false;
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
