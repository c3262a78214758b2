package org.karavel.spool.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;

/**
 * The committed state of the queue in memory, so that get, list, due and size never touch disk.
 * One writer (the committer, after each commit; recovery before it) and any number of readers.
 */
final class SpoolIndex {
    /** A message's place in the retry schedule: by next attempt, then by queue id (creation). */
    private record DueKey(Instant at, QueueId id) {}

    private static final Comparator<DueKey> DUE_ORDER =
            Comparator.comparing(DueKey::at).thenComparing(DueKey::id);

    private final ConcurrentSkipListMap<QueueId, StoredMessage> byId = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListSet<DueKey> schedule = new ConcurrentSkipListSet<>(DUE_ORDER);
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();

    StoredMessage get(QueueId id) {
        return byId.get(id);
    }

    void put(StoredMessage stored) {
        StoredMessage old = byId.put(stored.id(), stored);
        if (old == null) {
            count.incrementAndGet();
        } else {
            schedule.remove(new DueKey(old.message().nextAttempt(), old.id()));
            bytes.addAndGet(-old.size());
        }
        bytes.addAndGet(stored.size());
        if (!stored.message().isFinished()) {
            schedule.add(new DueKey(stored.message().nextAttempt(), stored.id()));
        }
    }

    StoredMessage remove(QueueId id) {
        StoredMessage old = byId.remove(id);
        if (old != null) {
            count.decrementAndGet();
            bytes.addAndGet(-old.size());
            schedule.remove(new DueKey(old.message().nextAttempt(), old.id()));
        }
        return old;
    }

    /** Oldest first: by queue id, which sorts by time of creation. */
    List<QueuedMessage> list() {
        List<QueuedMessage> all = new ArrayList<>(count.get());
        for (StoredMessage s : byId.values()) {
            all.add(s.message());
        }
        return all;
    }

    /** Unfinished messages due at or before {@code now}: longest waiting first, then oldest. */
    List<QueuedMessage> due(Instant now, int limit) {
        List<QueuedMessage> due = new ArrayList<>();
        for (DueKey key : schedule) {
            if (due.size() >= limit || key.at().isAfter(now)) {
                break;
            }
            StoredMessage current = byId.get(key.id());
            // the committer may be between the two structures: trust only the current message
            if (current != null
                    && current.message().nextAttempt().equals(key.at())
                    && !current.message().isFinished()) {
                due.add(current.message());
            }
        }
        return due;
    }

    List<StoredMessage> unfinished() {
        List<StoredMessage> all = new ArrayList<>();
        for (StoredMessage s : byId.values()) {
            if (!s.message().isFinished()) {
                all.add(s);
            }
        }
        return all;
    }

    int size() {
        return count.get();
    }

    /** The message that arrived first (queue ids sort by creation), or null when the queue is empty. */
    StoredMessage oldest() {
        Map.Entry<QueueId, StoredMessage> e = byId.firstEntry();
        return e == null ? null : e.getValue();
    }

    /** Content octets of every queued message. */
    long bytes() {
        return bytes.get();
    }
}
