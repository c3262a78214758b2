package org.karavel.smtp.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.karavel.api.filter.SmtpFilter;

/**
 * The registered filters in the order they are asked: {@code service.ranking} highest first,
 * then the older service first (lower {@code service.id}), as OSGi orders services. Changes
 * (a filter bundle deployed or removed) apply from the next stage of every session on.
 */
final class FilterChain {
    private static final Comparator<FilterEntry> ORDER =
            Comparator.comparingInt(FilterEntry::ranking).reversed().thenComparingLong(FilterEntry::serviceId);

    private volatile List<FilterEntry> entries = List.of();

    synchronized void add(FilterEntry entry) {
        List<FilterEntry> next = new ArrayList<>(entries);
        next.removeIf(e -> e.filter() == entry.filter());
        next.add(entry);
        next.sort(ORDER);
        entries = List.copyOf(next);
    }

    synchronized void remove(SmtpFilter filter) {
        List<FilterEntry> next = new ArrayList<>(entries);
        next.removeIf(e -> e.filter() == filter);
        entries = List.copyOf(next);
    }

    /** The filters now, in order; an immutable snapshot. */
    List<FilterEntry> entries() {
        return entries;
    }

    /** Whether any filter now implements the end-of-message stage. */
    boolean inspectsMessages() {
        for (FilterEntry e : entries) {
            if (e.inspectsMessage()) {
                return true;
            }
        }
        return false;
    }
}
