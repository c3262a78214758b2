package org.karavel.shell.internal;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.karavel.api.queue.PendingVisitor;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.api.queue.Spool;

/**
 * The queue's shape, like Postfix's {@code qshape}: one row per recipient domain of pending
 * recipients, one column per age bucket (minutes since arrival: 0-5, 5-10, 10-20, 20-40, 40-80,
 * 80-160, 160-320, 320+), counting messages (a message with two recipients in one domain counts
 * once there). Suspended domains are marked.
 *
 * <pre>
 *                  domain     T    5   10   20   40   80  160  320 320+
 *                   TOTAL     3    1    0    0    0    0    0    0    2
 *            example.test     2    1    0    0    0    0    0    0    1  (suspended)
 * </pre>
 */
public final class QueueShape {
    /** Upper bounds of the buckets in minutes; the last bucket has none. */
    static final int[] BOUNDS = {5, 10, 20, 40, 80, 160, 320};

    static final String[] COLUMNS = {"5", "10", "20", "40", "80", "160", "320", "320+"};

    private final Instant now;

    public QueueShape(Instant now) {
        this.now = now;
    }

    /** The bucket of a message that arrived at {@code receivedAt}: 0 for under 5 minutes, 7 for 320 and more. */
    int bucket(Instant receivedAt) {
        long minutes = Math.max(0, Duration.between(receivedAt, now).toSeconds()) / 60;
        for (int i = 0; i < BOUNDS.length; i++) {
            if (minutes < BOUNDS[i]) {
                return i;
            }
        }
        return BOUNDS.length;
    }

    /**
     * The rows: {@code TOTAL} first, then each domain by most messages, then by name. Each row is
     * the total followed by the count per bucket.
     */
    Map<String, long[]> rows(List<QueuedMessage> messages) {
        Tally tally = new Tally();
        for (QueuedMessage m : messages) {
            List<String> domains = new ArrayList<>();
            for (RecipientStatus r : m.recipients()) {
                if (r.isPending()) {
                    domains.add(r.recipient().domainKey());
                }
            }
            if (!domains.isEmpty()) {
                tally.visit(m.envelope().receivedAt(), domains);
            }
        }
        return tally.rows();
    }

    /** As {@link #rows(List)}, from the spool's index (no message record is read). */
    Map<String, long[]> rows(Spool spool) {
        Tally tally = new Tally();
        spool.forEachPending(tally);
        return tally.rows();
    }

    /** Counts messages per domain and age bucket. */
    private final class Tally implements PendingVisitor {
        private final Map<String, long[]> domains = new LinkedHashMap<>();
        private final long[] total = new long[COLUMNS.length + 1];

        @Override
        public void visit(Instant receivedAt, List<String> pendingDomains) {
            int b = bucket(receivedAt);
            total[0]++;
            total[b + 1]++;
            // a message with two recipients in one domain counts once there
            Collection<String> once = pendingDomains.size() == 1 ? pendingDomains : new HashSet<>(pendingDomains);
            for (String d : once) {
                long[] row = domains.computeIfAbsent(d, k -> new long[COLUMNS.length + 1]);
                row[0]++;
                row[b + 1]++;
            }
        }

        Map<String, long[]> rows() {
            return sorted(domains, total);
        }
    }

    private static Map<String, long[]> sorted(Map<String, long[]> domains, long[] total) {
        List<Map.Entry<String, long[]>> sorted = new ArrayList<>(domains.entrySet());
        sorted.sort(Comparator.<Map.Entry<String, long[]>>comparingLong(e -> -e.getValue()[0])
                .thenComparing(Map.Entry::getKey));
        Map<String, long[]> rows = new LinkedHashMap<>();
        rows.put("TOTAL", total);
        for (Map.Entry<String, long[]> e : sorted) {
            rows.put(e.getKey(), e.getValue());
        }
        return rows;
    }

    /**
     * Writes the table; {@code suspended} domains get a mark, and those without mail in the queue
     * are listed below it.
     */
    public void write(List<QueuedMessage> messages, Set<String> suspended, PrintStream out) {
        write(rows(messages), suspended, out);
    }

    /** As {@link #write(List, Set, PrintStream)}, from the spool's index (no message record is read). */
    public void write(Spool spool, Set<String> suspended, PrintStream out) {
        write(rows(spool), suspended, out);
    }

    private void write(Map<String, long[]> rows, Set<String> suspended, PrintStream out) {
        int width = Math.max(
                20, rows.keySet().stream().mapToInt(String::length).max().orElse(0));
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%" + width + "s %5s", "domain", "T"));
        for (String c : COLUMNS) {
            header.append(String.format(Locale.ROOT, " %4s", c));
        }
        out.println(header);
        for (Map.Entry<String, long[]> e : rows.entrySet()) {
            long[] v = e.getValue();
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%" + width + "s %5d", e.getKey(), v[0]));
            for (int i = 1; i < v.length; i++) {
                line.append(String.format(Locale.ROOT, " %4d", v[i]));
            }
            if (suspended.contains(e.getKey())) {
                line.append("  (suspended)");
            }
            out.println(line);
        }
        List<String> idle =
                suspended.stream().filter(d -> !rows.containsKey(d)).sorted().toList();
        if (!idle.isEmpty()) {
            out.println("Suspended, nothing queued: " + String.join(", ", idle));
        }
    }
}
