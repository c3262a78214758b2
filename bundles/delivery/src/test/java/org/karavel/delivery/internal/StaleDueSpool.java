package org.karavel.delivery.internal;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.testkit.MemorySpool;

/**
 * An in-memory spool that can answer one scan with an old due list: what a scan sees when it reads the
 * queue just before an attempt on one of the messages settles.
 */
final class StaleDueSpool extends MemorySpool {
    private final AtomicReference<List<QueuedMessage>> stale = new AtomicReference<>();
    private final AtomicInteger scansAfterStale = new AtomicInteger(-1);

    /** The next call of {@link #due} returns these messages, as they were. */
    void answerNextScanWith(List<QueuedMessage> old) {
        scansAfterStale.set(-1);
        stale.set(old);
    }

    /** Scans after the one answered with the old list (-1 while that one has not come). */
    int scansAfterStaleAnswer() {
        return scansAfterStale.get();
    }

    @Override
    public List<QueuedMessage> due(Instant now, int limit) {
        List<QueuedMessage> old = stale.getAndSet(null);
        if (old != null) {
            scansAfterStale.set(0);
            return old;
        }
        scansAfterStale.getAndUpdate(n -> n < 0 ? n : n + 1);
        return super.due(now, limit);
    }
}
