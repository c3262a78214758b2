package org.karavel.admin.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last 24 hours of mail traffic at one-minute resolution, for the console's charts: a ring of
 * 1,440 slots, each holding what the counters rose by during that minute (received, delivered,
 * deferred, bounced, refused) and the queue size and oldest message age read when the minute began.
 * It lives in memory only: a restart of the admin bundle starts an empty history.
 */
final class TrafficHistory {
    static final int MINUTES = 1440;
    /** The counted series, in the order of {@link TrafficReading#counts()}. */
    static final List<String> COUNTS = TrafficReading.COUNTS;

    private final long[][] counts = new long[MINUTES][COUNTS.size()];
    private final long[] queue = new long[MINUTES];
    private final long[] oldest = new long[MINUTES];
    /** The epoch minute each slot holds now; -1 for a slot never written. */
    private final long[] minuteOf = new long[MINUTES];

    private TrafficReading baseline;
    private long baselineMinute = -1;

    TrafficHistory() {
        Arrays.fill(minuteOf, -1);
    }

    /**
     * Takes the reading made at {@code now}. The first reading of a new minute closes the previous
     * one: that minute's slot gets what the counters rose by since its own first reading. A counter
     * that went down (its bundle restarted) counts from zero.
     */
    synchronized void sample(Instant now, TrafficReading reading) {
        long minute = Math.floorDiv(now.getEpochSecond(), 60);
        if (baseline != null && minute <= baselineMinute) {
            return;
        }
        if (baseline != null) {
            int slot = slot(baselineMinute);
            long[] rise = rise(baseline, reading);
            System.arraycopy(rise, 0, counts[slot], 0, rise.length);
        }
        int slot = slot(minute);
        minuteOf[slot] = minute;
        Arrays.fill(counts[slot], 0);
        queue[slot] = reading.queueSize();
        oldest[slot] = reading.oldestAgeSeconds();
        baseline = reading;
        baselineMinute = minute;
    }

    /**
     * The last {@code minutes} minutes up to the one containing {@code now}, oldest first, as columns
     * (the shape uPlot draws): {@code t} (epoch seconds of each minute's start), one column per
     * series, {@code queue} and {@code oldestAgeSeconds}; null where nothing was recorded. The
     * current minute is counted so far, from {@code live}; {@code totals} sums each counted series.
     */
    synchronized Map<String, Object> columns(Instant now, int minutes, TrafficReading live) {
        long current = Math.floorDiv(now.getEpochSecond(), 60);
        List<Long> t = new ArrayList<>(minutes);
        List<List<Long>> series = new ArrayList<>();
        COUNTS.forEach(name -> series.add(new ArrayList<>(minutes)));
        List<Long> queueColumn = new ArrayList<>(minutes);
        List<Long> oldestColumn = new ArrayList<>(minutes);
        long[] totals = new long[COUNTS.size()];
        for (long m = current - minutes + 1; m <= current; m++) {
            t.add(m * 60);
            long[] row = null;
            Long q = null;
            Long age = null;
            if (m == current && live != null) {
                row = baseline != null && baselineMinute == current ? rise(baseline, live) : new long[COUNTS.size()];
                q = live.queueSize();
                age = live.oldestAgeSeconds();
            } else if (m >= 0 && minuteOf[slot(m)] == m && m != baselineMinute) {
                row = counts[slot(m)];
                q = queue[slot(m)];
                age = oldest[slot(m)];
            } else if (m >= 0 && minuteOf[slot(m)] == m) {
                // the open minute, asked without a live reading: its gauges only
                q = queue[slot(m)];
                age = oldest[slot(m)];
            }
            for (int i = 0; i < COUNTS.size(); i++) {
                series.get(i).add(row == null ? null : row[i]);
                totals[i] += row == null ? 0 : row[i];
            }
            queueColumn.add(q);
            oldestColumn.add(age);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("minuteSeconds", 60);
        out.put("minutes", minutes);
        out.put("now", now.getEpochSecond());
        out.put("t", t);
        Map<String, Object> totalMap = new LinkedHashMap<>();
        for (int i = 0; i < COUNTS.size(); i++) {
            out.put(COUNTS.get(i), series.get(i));
            totalMap.put(COUNTS.get(i), totals[i]);
        }
        out.put("queue", queueColumn);
        out.put("oldestAgeSeconds", oldestColumn);
        out.put("totals", totalMap);
        return out;
    }

    private static long[] rise(TrafficReading from, TrafficReading to) {
        long[] out = new long[COUNTS.size()];
        for (int i = 0; i < out.length; i++) {
            long a = from.counts()[i];
            long b = to.counts()[i];
            out[i] = b >= a ? b - a : b;
        }
        return out;
    }

    private static int slot(long minute) {
        return (int) Math.floorMod(minute, (long) MINUTES);
    }
}
