package org.karavel.spool.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.QueueId;

class QueueIdClockTest {
    @Test
    void idsAreUniqueAlphanumericAndSortByCreationEvenWithinOneMillisecond() {
        AtomicLong now = new AtomicLong(1_735_689_600_000L);
        QueueIdClock clock = new QueueIdClock(now::get);
        List<QueueId> ids = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            if (i % 1000 == 0) {
                now.incrementAndGet();
            }
            ids.add(clock.next());
        }
        assertThat(new HashSet<>(ids)).hasSize(ids.size());
        assertThat(ids).isSorted();
        assertThat(ids).allMatch(id -> id.value().matches("[0-9A-Z]{15}"));
    }

    @Test
    void aBurstBeyondTheCounterBorrowsTheNextMillisecond() {
        QueueIdClock clock = new QueueIdClock(() -> 5_000L);
        List<QueueId> ids = new ArrayList<>();
        for (int i = 0; i < 40_000; i++) {
            ids.add(clock.next());
        }
        assertThat(ids).isSorted().doesNotHaveDuplicates();
        assertThat(clock.highWater()).isEqualTo(5_001L);
    }

    @Test
    void resumingAfterAStoredMarkNeverGoesBack() {
        QueueIdClock first = new QueueIdClock(() -> 10_000L);
        QueueId last = first.next();
        QueueIdClock restarted = new QueueIdClock(() -> 9_000L); // clock set back
        restarted.resumeAfter(first.highWater());
        assertThat(restarted.next()).isGreaterThan(last);
    }
}
