package org.karavel.admin.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The 24-hour ring: what a minute's slot holds, the live minute, counter resets, wrap-around. */
class TrafficHistoryTest {
    private static final Instant START = Instant.parse("2026-12-07T10:00:00Z");

    private static TrafficReading reading(
            long received, long delivered, long deferred, long bounced, long refused, long queue, long oldest) {
        return new TrafficReading(new long[] {received, delivered, deferred, bounced, refused}, queue, oldest);
    }

    private static Instant minute(long n, long second) {
        return START.plusSeconds(n * 60 + second);
    }

    @SuppressWarnings("unchecked")
    private static List<Long> column(Map<String, Object> columns, String name) {
        return (List<Long>) columns.get(name);
    }

    @Test
    void aMinutesSlotHoldsWhatTheCountersRoseByAndTheGaugesAtItsStart() {
        TrafficHistory h = new TrafficHistory();
        h.sample(minute(0, 0), reading(100, 50, 3, 1, 7, 4, 30));
        h.sample(minute(0, 30), reading(999, 999, 999, 999, 999, 99, 99)); // same minute: ignored
        h.sample(minute(1, 0), reading(110, 58, 3, 2, 9, 6, 90));
        h.sample(minute(2, 0), reading(111, 60, 5, 2, 9, 0, 0));

        Map<String, Object> c = h.columns(minute(2, 40), 3, reading(115, 61, 5, 2, 10, 1, 5));
        assertThat(column(c, "t"))
                .containsExactly(
                        minute(0, 0).getEpochSecond(),
                        minute(1, 0).getEpochSecond(),
                        minute(2, 0).getEpochSecond());
        assertThat(column(c, "received")).containsExactly(10L, 1L, 4L);
        assertThat(column(c, "delivered")).containsExactly(8L, 2L, 1L);
        assertThat(column(c, "deferred")).containsExactly(0L, 2L, 0L);
        assertThat(column(c, "bounced")).containsExactly(1L, 0L, 0L);
        assertThat(column(c, "refused")).containsExactly(2L, 0L, 1L);
        // gauges as read at each minute's start; the current minute's as read now
        assertThat(column(c, "queue")).containsExactly(4L, 6L, 1L);
        assertThat(column(c, "oldestAgeSeconds")).containsExactly(30L, 90L, 5L);
        assertThat((Map<String, Object>) c.get("totals"))
                .containsEntry("received", 15L)
                .containsEntry("delivered", 11L)
                .containsEntry("refused", 3L);
    }

    @Test
    void minutesWithoutAReadingAreNullNotZero() {
        TrafficHistory h = new TrafficHistory();
        h.sample(minute(5, 1), reading(0, 0, 0, 0, 0, 0, 0));
        Map<String, Object> c = h.columns(minute(5, 2), 4, reading(2, 0, 0, 0, 0, 2, 1));
        assertThat(column(c, "received")).containsExactly(null, null, null, 2L);
        assertThat(column(c, "queue")).containsExactly(null, null, null, 2L);
        assertThat(h.columns(minute(5, 2), 1440, null))
                .extracting(m -> ((List<?>) m.get("t")).size())
                .isEqualTo(1440);
    }

    @Test
    void aCounterThatWentDownCountsFromZero() {
        TrafficHistory h = new TrafficHistory();
        h.sample(minute(0, 0), reading(500, 500, 0, 0, 0, 0, 0));
        // the smtp and delivery bundles restarted during the minute: their counters began again at 0
        h.sample(minute(1, 0), reading(3, 2, 0, 0, 0, 0, 0));
        Map<String, Object> c = h.columns(minute(1, 5), 2, reading(3, 2, 0, 0, 0, 0, 0));
        assertThat(column(c, "received")).containsExactly(3L, 0L);
        assertThat(column(c, "delivered")).containsExactly(2L, 0L);
    }

    @Test
    void aSlotIsReusedAfterADayAndItsOldFiguresAreGone() {
        TrafficHistory h = new TrafficHistory();
        h.sample(minute(0, 0), reading(0, 0, 0, 0, 0, 0, 0));
        h.sample(minute(1, 0), reading(7, 0, 0, 0, 0, 0, 0));
        // a day later, nothing was sampled in between (the machine slept): yesterday's minute is not today's
        h.sample(minute(1440, 0), reading(9, 0, 0, 0, 0, 0, 0));
        Map<String, Object> c = h.columns(minute(1441, 0), 1440, null);
        List<Long> received = column(c, "received");
        assertThat(received.stream().filter(v -> v != null && v > 0)).isEmpty();
        // the rise over the gap (9 - 7) went to minute 1, a day ago and out of the window
        assertThat(Arrays.asList(received.get(1438), received.get(1439))).containsOnlyNulls();
    }
}
