package org.karavel.api.suppression;

import java.util.Locale;

/**
 * Which entries to list, one page at a time, in address order.
 *
 * @param address only addresses containing this text, case-insensitive ({@code @example.com} gives
 *     a domain's); empty for all
 * @param category only entries of this category; empty for all
 * @param after the page starts after this address ({@link SuppressionPage#next()} of the previous
 *     page); empty for the first page
 * @param limit the most entries a page holds, 1 to {@link #MAX_LIMIT}
 */
public record SuppressionQuery(String address, String category, String after, int limit) {
    public static final int MAX_LIMIT = 10_000;
    public static final int DEFAULT_LIMIT = 100;

    public SuppressionQuery {
        address = address == null ? "" : address.strip().toLowerCase(Locale.ROOT);
        category = category == null ? "" : category.strip().toLowerCase(Locale.ROOT);
        after = after == null ? "" : after.strip().toLowerCase(Locale.ROOT);
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit: " + limit + " is not from 1 to " + MAX_LIMIT);
        }
    }

    /** The first {@link #DEFAULT_LIMIT} entries, unfiltered. */
    public static SuppressionQuery all() {
        return new SuppressionQuery("", "", "", DEFAULT_LIMIT);
    }

    /** Whether an entry passes the address and category filters (not the paging). */
    public boolean matches(Suppression s) {
        return (address.isEmpty() || s.address().contains(address))
                && (category.isEmpty() || s.category().equals(category));
    }
}
