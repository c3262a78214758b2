package org.karavel.spool.internal;

import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The index's entries by pending recipient domain, oldest first, so that a listing or a flush of
 * one domain visits that domain's messages only (about 30 bytes a message: one skip-list node and
 * its share of the levels). One writer, any number of readers.
 */
final class DomainEntries {
    private static final NavigableSet<SpoolEntry> NONE = Collections.unmodifiableNavigableSet(new TreeSet<>());

    /** One domain's entries and their number (a skip list counts by walking). */
    private record Domain(ConcurrentSkipListSet<SpoolEntry> entries, AtomicInteger count) {}

    private final Comparator<SpoolEntry> order;
    private final Map<String, Domain> domains = new ConcurrentHashMap<>();

    DomainEntries(Comparator<SpoolEntry> order) {
        this.order = order;
    }

    void add(SpoolEntry e) {
        List<String> keys = e.domains;
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            if (keys.indexOf(key) < i) {
                continue; // several recipients at one domain: one entry
            }
            Domain d = domains.computeIfAbsent(
                    key, k -> new Domain(new ConcurrentSkipListSet<>(order), new AtomicInteger()));
            if (d.entries().add(e)) {
                d.count().incrementAndGet();
            }
        }
    }

    void removeEntry(SpoolEntry e) {
        for (String key : e.domains) {
            Domain d = domains.get(key);
            if (d != null && d.entries().remove(e) && d.count().decrementAndGet() == 0) {
                domains.remove(key, d);
            }
        }
    }

    NavigableSet<SpoolEntry> entries(String domainKey) {
        Domain d = domains.get(domainKey);
        return d == null ? NONE : d.entries();
    }

    int count(String domainKey) {
        Domain d = domains.get(domainKey);
        return d == null ? 0 : d.count().get();
    }
}
