package org.karavel.delivery.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.testkit.MemorySpool;

/**
 * An in-memory spool that sets messages aside as the durable spool's schedule does, and counts the due
 * messages a scan was handed only to skip them as in flight: what a scan steps over.
 */
final class AsideSpool extends MemorySpool {
    private final Set<QueueId> aside = ConcurrentHashMap.newKeySet();
    private final AtomicLong steppedOver = new AtomicLong();

    @Override
    public List<QueuedMessage> due(Instant now, int limit, Predicate<QueueId> skip) {
        List<QueuedMessage> due = new ArrayList<>();
        for (QueuedMessage m : due(now, Integer.MAX_VALUE)) {
            if (due.size() >= limit) {
                break;
            }
            if (aside.contains(m.id())) {
                continue;
            }
            if (skip.test(m.id())) {
                steppedOver.incrementAndGet();
            } else {
                due.add(m);
            }
        }
        return due;
    }

    @Override
    public void setAside(QueueId id) {
        aside.add(id);
    }

    @Override
    public void putBack(QueueId id) {
        aside.remove(id);
    }

    /** Messages set aside now. */
    Set<QueueId> aside() {
        return Set.copyOf(aside);
    }

    /** Due messages scans skipped as in flight. */
    long steppedOver() {
        return steppedOver.get();
    }
}
