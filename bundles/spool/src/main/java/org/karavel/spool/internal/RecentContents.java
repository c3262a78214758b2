package org.karavel.spool.internal;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.karavel.api.queue.QueueId;

/**
 * The inline contents of the messages queued most recently, up to a byte budget. Delivery reads a
 * message moments after it was queued (to sign it, then to send it); serving those reads from here
 * spares a MapDB lookup each. Only committed contents go in, and a removal takes them out, so a hit
 * is always the spool's own bytes. Contents never change once queued.
 */
final class RecentContents {
    private final long budget;
    private final Map<QueueId, byte[]> contents = new LinkedHashMap<>();
    private long bytes;

    RecentContents(long budgetBytes) {
        this.budget = budgetBytes;
    }

    synchronized void put(QueueId id, byte[] content) {
        if (content.length > budget) {
            return;
        }
        byte[] old = contents.put(id, content);
        bytes += content.length - (old == null ? 0 : old.length);
        // oldest first: those are the ones delivery has most likely read already
        for (Iterator<byte[]> it = contents.values().iterator(); bytes > budget && it.hasNext(); ) {
            bytes -= it.next().length;
            it.remove();
        }
    }

    synchronized byte[] get(QueueId id) {
        return contents.get(id);
    }

    synchronized void remove(QueueId id) {
        byte[] old = contents.remove(id);
        if (old != null) {
            bytes -= old.length;
        }
    }

    synchronized void clear() {
        contents.clear();
        bytes = 0;
    }

    synchronized long bytes() {
        return bytes;
    }
}
