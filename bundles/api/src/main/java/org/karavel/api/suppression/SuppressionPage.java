package org.karavel.api.suppression;

import java.util.List;

/**
 * One page of a listing.
 *
 * @param entries in address order
 * @param next the {@link SuppressionQuery#after()} of the next page; empty when this is the last
 */
public record SuppressionPage(List<Suppression> entries, String next) {
    public SuppressionPage {
        entries = List.copyOf(entries);
        next = next == null ? "" : next;
    }
}
