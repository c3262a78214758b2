package org.karavel.shell.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.karavel.api.queue.DeliveryControl;
import org.karavel.api.queue.QueueId;

/** A DeliveryControl for tests: remembers what it was told; bounce succeeds for the ids in {@link #known}. */
final class RecordingDeliveryControl implements DeliveryControl {
    final Set<String> known = new TreeSet<>();
    final Set<String> suspended = new TreeSet<>();
    final List<String> bounced = new ArrayList<>();
    final List<String> flushed = new ArrayList<>();

    @Override
    public synchronized CompletionStage<Boolean> bounce(QueueId id, String reason) {
        if (!known.remove(id.value())) {
            return CompletableFuture.completedFuture(false);
        }
        bounced.add(id + " " + reason);
        return CompletableFuture.completedFuture(true);
    }

    @Override
    public synchronized int flushDomain(String domain) {
        flushed.add(domain);
        return 2;
    }

    @Override
    public synchronized void suspend(String domain) {
        suspended.add(domain.toLowerCase(Locale.ROOT));
    }

    @Override
    public synchronized boolean resume(String domain) {
        return suspended.remove(domain.toLowerCase(Locale.ROOT));
    }

    @Override
    public synchronized Set<String> suspendedDomains() {
        return Set.copyOf(suspended);
    }
}
