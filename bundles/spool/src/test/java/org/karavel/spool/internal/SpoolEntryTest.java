package org.karavel.spool.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.QueueId;

class SpoolEntryTest {
    private static SpoolEntry entry(String id) {
        return SpoolEntry.probe(new QueueId(id));
    }

    @Test
    void idsOfTheQueueIdClockPackAndComeBackTheSame() {
        QueueIdClock clock = new QueueIdClock(() -> 1_765_000_000_000L);
        for (int i = 0; i < 1_000; i++) {
            QueueId id = clock.next();
            assertThat(entry(id.value()).id()).isEqualTo(id);
        }
        // ids of other shapes (older spools, tests) are kept as text
        assertThat(entry("V1REC1").key()).isEqualTo("V1REC1");
        assertThat(entry("abcdefghijklmno").key()).isEqualTo("abcdefghijklmno");
        assertThat(entry("ZZZZZZZZZZZZZZZZ").key()).isEqualTo("ZZZZZZZZZZZZZZZZ");
    }

    @Test
    void entriesSortAsTheirIdsTextDoes() {
        SplittableRandom random = new SplittableRandom(18);
        String alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        List<String> ids = new ArrayList<>(List.of("V1REC1", "1M9A0B1C2D3E4F6", "ZZZ", "000000000000000"));
        for (int i = 0; i < 2_000; i++) {
            StringBuilder b = new StringBuilder();
            int length = random.nextInt(10) == 0 ? 1 + random.nextInt(20) : QueueIdClock.LENGTH;
            for (int c = 0; c < length; c++) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            ids.add(b.toString());
        }
        List<String> byText = new ArrayList<>(ids);
        byText.sort(Comparator.naturalOrder());
        List<SpoolEntry> entries =
                new ArrayList<>(ids.stream().map(SpoolEntryTest::entry).toList());
        entries.sort(SpoolEntry::compareId);
        assertThat(entries.stream().map(SpoolEntry::key).toList()).isEqualTo(byText);
    }
}
