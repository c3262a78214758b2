package org.karavel.admin.internal;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import org.karavel.api.queue.DeliveryControl;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.testkit.MemorySpool;

/** What the delivery bundle would do, on the in-memory spool: enough to see the API's calls and answers. */
final class InMemoryDeliveryControl implements DeliveryControl {
    private final MemorySpool spool;
    private final Set<String> suspended = new ConcurrentSkipListSet<>();
    final List<String> bounces = new CopyOnWriteArrayList<>();

    InMemoryDeliveryControl(MemorySpool spool) {
        this.spool = spool;
    }

    @Override
    public CompletionStage<Boolean> bounce(QueueId id, String reason) {
        if (spool.get(id).isEmpty()) {
            return CompletableFuture.completedFuture(false);
        }
        bounces.add(id + ": " + reason);
        return spool.remove(id);
    }

    @Override
    public int flushDomain(String domain) {
        int n = 0;
        for (QueuedMessage m : spool.list()) {
            if (m.pending().stream()
                    .map(RecipientStatus::recipient)
                    .anyMatch(a -> a.domainKey().equals(domain))) {
                spool.flush(m.id());
                n++;
            }
        }
        return n;
    }

    @Override
    public void suspend(String domain) {
        suspended.add(domain.toLowerCase(Locale.ROOT));
    }

    @Override
    public boolean resume(String domain) {
        return suspended.remove(domain.toLowerCase(Locale.ROOT));
    }

    @Override
    public Set<String> suspendedDomains() {
        return new TreeSet<>(suspended);
    }
}
