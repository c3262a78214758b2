package org.karavel.testkit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.karavel.api.suppression.Suppression;
import org.karavel.api.suppression.SuppressionList;
import org.karavel.api.suppression.SuppressionPage;
import org.karavel.api.suppression.SuppressionQuery;

/** The SuppressionList contract over a sorted map, with a fixed clock for expiry. */
public final class InMemorySuppressionList implements SuppressionList {
    /** The entries, by address, for tests to look at directly. */
    public final TreeMap<String, Suppression> entries = new TreeMap<>();

    public Instant now = Instant.parse("2026-12-07T12:00:00Z");

    @Override
    public synchronized Optional<Suppression> find(String address) {
        return Optional.ofNullable(entries.get(Suppression.key(address))).filter(s -> !s.expiredAt(now));
    }

    @Override
    public synchronized Suppression add(Suppression entry) {
        entries.put(entry.address(), entry);
        return entry;
    }

    @Override
    public CompletionStage<Optional<Suppression>> permanentFailure(
            String address, String category, String reply, String queueId) {
        return CompletableFuture.completedFuture(
                Optional.of(add(new Suppression(address, reply, category, now, null, queueId))));
    }

    @Override
    public synchronized boolean remove(String address) {
        Suppression old = entries.remove(Suppression.key(address));
        return old != null && !old.expiredAt(now);
    }

    @Override
    public synchronized SuppressionPage list(SuppressionQuery q) {
        List<Suppression> page = new ArrayList<>();
        for (Suppression s : q.after().isEmpty()
                ? entries.values()
                : entries.tailMap(q.after(), false).values()) {
            if (s.expiredAt(now) || !q.matches(s)) {
                continue;
            }
            if (page.size() == q.limit()) {
                return new SuppressionPage(page, page.get(page.size() - 1).address());
            }
            page.add(s);
        }
        return new SuppressionPage(page, "");
    }

    @Override
    public synchronized long count() {
        return entries.size();
    }

    @Override
    public synchronized int importEntries(Collection<Suppression> in) {
        in.forEach(s -> entries.put(s.address(), s));
        return in.size();
    }

    @Override
    public synchronized void exportEntries(Consumer<? super Suppression> sink) {
        entries.values().stream().filter(s -> !s.expiredAt(now)).forEach(sink);
    }
}
