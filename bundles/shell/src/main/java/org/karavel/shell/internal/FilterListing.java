package org.karavel.shell.internal;

import java.io.PrintStream;
import java.util.Comparator;
import java.util.List;

/** The table {@code mta:filters} prints: the filters in the order the SMTP listener asks them. */
final class FilterListing {
    /** What a filter service's properties say about it. */
    record Entry(String name, int ranking, long serviceId, Long timeoutMillis, String bundle, long bundleId) {}

    /** OSGi order: highest ranking first, then the older service (lower id), as the listener asks them. */
    static List<Entry> ordered(List<Entry> entries) {
        return entries.stream()
                .sorted(Comparator.comparingInt(Entry::ranking).reversed().thenComparingLong(Entry::serviceId))
                .toList();
    }

    static void write(List<Entry> entries, PrintStream out) {
        if (entries.isEmpty()) {
            out.println("No SMTP filters are registered: the listeners accept nothing (the relay filter is required).");
            return;
        }
        out.printf("%-3s %-24s %8s %10s  %s%n", "#", "Name", "Ranking", "Timeout", "Bundle");
        int i = 1;
        for (Entry e : ordered(entries)) {
            out.printf(
                    "%-3d %-24s %8d %10s  %s [%d]%n",
                    i++,
                    e.name(),
                    e.ranking(),
                    e.timeoutMillis() == null ? "default" : e.timeoutMillis() + " ms",
                    e.bundle(),
                    e.bundleId());
        }
    }
}
