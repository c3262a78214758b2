package org.karavel.delivery.internal;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Messages sent to each site in the last minute, in one-second buckets (for {@code mta:shaping}):
 * cheap to count on every transaction, and a site that went quiet is dropped when next read.
 */
final class SiteRates {
    private static final int SECONDS = 60;

    private static final class Window {
        final long[] second = new long[SECONDS];
        final int[] count = new int[SECONDS];
    }

    private final Map<String, Window> sites = new ConcurrentHashMap<>();

    void sent(String site, Instant now) {
        long s = now.getEpochSecond();
        Window w = sites.computeIfAbsent(site, k -> new Window());
        synchronized (w) {
            int i = (int) Math.floorMod(s, (long) SECONDS);
            if (w.second[i] != s) {
                w.second[i] = s;
                w.count[i] = 0;
            }
            w.count[i]++;
        }
    }

    /** Per site, the messages of the last 60 seconds (sites with none are left out and forgotten). */
    Map<String, Integer> lastMinute(Instant now) {
        long s = now.getEpochSecond();
        Map<String, Integer> out = new HashMap<>();
        sites.forEach((site, w) -> {
            int n = 0;
            synchronized (w) {
                for (int i = 0; i < SECONDS; i++) {
                    if (s - w.second[i] < SECONDS) {
                        n += w.count[i];
                    }
                }
            }
            if (n > 0) {
                out.put(site, n);
            } else {
                sites.remove(site, w);
            }
        });
        return out;
    }
}
