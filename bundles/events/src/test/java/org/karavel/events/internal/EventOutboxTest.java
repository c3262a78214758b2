package org.karavel.events.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.events.MessageEvent;

class EventOutboxTest {
    @TempDir
    Path dir;

    private final EventsCounters counters = new EventsCounters();
    private final List<String> jsonLog = new CopyOnWriteArrayList<>();
    private EventOutbox outbox;

    @AfterEach
    void close() {
        if (outbox != null) {
            outbox.close();
        }
    }

    private EventOutbox open(long maxBytes, long segmentBytes) throws IOException {
        outbox = new EventOutbox(dir, maxBytes, segmentBytes, counters, json -> jsonLog.add(EventJson.text(json)));
        return outbox;
    }

    private static MessageEvent event(int i) {
        return MessageEvent.of(MessageEvent.Type.DELIVERED, Instant.EPOCH, "Q" + i)
                .withEnvelope("app@example.com", List.of("user" + i + "@example.org"), "mx", "192.0.2.1", "");
    }

    private void publish(int from, int to) {
        for (int i = from; i < to; i++) {
            outbox.appendAndWait(event(i), Duration.ofSeconds(10));
        }
    }

    @Test
    void eventsReadBackInOrderOnceOnDisk() throws IOException {
        open(1 << 20, 64 << 10);
        publish(0, 10);
        assertThat(outbox.end()).isEqualTo(10);
        List<OutboxRecord> read = outbox.read(0, 100);
        assertThat(read).extracting(OutboxRecord::seq).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
        assertThat(EventJson.text(read.get(3).json())).contains("\"queue_id\":\"Q3\"");
        assertThat(read.get(3).type()).isEqualTo(MessageEvent.Type.DELIVERED);
        assertThat(outbox.read(4, 3)).extracting(OutboxRecord::seq).containsExactly(4L, 5L, 6L);
        // the JSON event log has each event once it is stored
        assertThat(jsonLog).hasSize(10).allMatch(l -> l.startsWith("{\"id\":"));
    }

    @Test
    void concurrentPublishersShareGroupCommits() throws Exception {
        open(64 << 20, 1 << 20);
        ExecutorService threads = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int base = t * 200;
            done.add(threads.submit(() -> publish(base, base + 200)));
        }
        for (Future<?> f : done) {
            f.get();
        }
        threads.shutdown();
        assertThat(outbox.end()).isEqualTo(1600);
        assertThat(outbox.read(0, 2000)).hasSize(1600);
        // eight publishers waiting at once: far fewer forces than events
        assertThat(counters.groupCommits()).isLessThan(1600);
    }

    @Test
    void eventsNobodyWaitsForShareAForceUntilOneSomebodyWaitsForArrives() throws Exception {
        open(64 << 20, 1 << 20);
        outbox.laterLinger(Duration.ofSeconds(30));
        long before = counters.groupCommits();
        List<String> completedOn = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> first = outbox.appendLater(List.of(event(0), event(1)))
                .thenRun(() -> completedOn.add(Thread.currentThread().getName()));
        await().atMost(Duration.ofSeconds(10)).until(outbox::lingering);
        CompletableFuture<Void> second = outbox.appendLater(List.of(event(2)));
        assertThat(outbox.lingering()).isTrue();
        assertThat(first).isNotDone();
        assertThat(outbox.end()).isZero();

        // a publisher that waits ends the wait: one force for all four
        outbox.appendAndWait(event(3), Duration.ofSeconds(10));
        first.get(10, TimeUnit.SECONDS);
        second.get(10, TimeUnit.SECONDS);
        assertThat(outbox.end()).isEqualTo(4);
        assertThat(counters.groupCommits() - before).isEqualTo(1);
        // the caller's continuation runs on the notifier, never holding up the writer
        assertThat(completedOn).containsExactly("karavel-events-notify");
    }

    @Test
    void eventsNobodyWaitsForAreStoredWhenTheWaitEndsAndAtClose() throws Exception {
        open(64 << 20, 1 << 20);
        outbox.appendLater(List.of(event(0))).get(10, TimeUnit.SECONDS);
        assertThat(outbox.end()).isEqualTo(1);

        outbox.laterLinger(Duration.ofSeconds(30));
        CompletableFuture<Void> pending = outbox.appendLater(List.of(event(1)));
        await().atMost(Duration.ofSeconds(10)).until(outbox::lingering);
        outbox.close();
        outbox = null;
        assertThat(pending).succeedsWithin(Duration.ofSeconds(10));
        open(64 << 20, 1 << 20);
        assertThat(outbox.read(0, 10)).hasSize(2);
    }

    @Test
    void cursorsAndEventsSurviveReopening() throws IOException {
        open(1 << 20, 4 << 10);
        assertThat(outbox.cursor("app")).isEqualTo(0);
        publish(0, 50);
        outbox.ack("app", 30);
        outbox.close();

        open(1 << 20, 4 << 10);
        assertThat(outbox.end()).isEqualTo(50);
        assertThat(outbox.cursor("app")).isEqualTo(30);
        assertThat(outbox.read(30, 100))
                .hasSize(20)
                .first()
                .satisfies(r -> assertThat(EventJson.text(r.json())).contains("\"queue_id\":\"Q30\""));
        publish(50, 52);
        assertThat(outbox.read(50, 10)).extracting(OutboxRecord::seq).containsExactly(50L, 51L);
    }

    @Test
    void aNewEndpointStartsAtTheEndAndKeepsThatAcrossACrash() throws IOException {
        open(1 << 20, 64 << 10);
        publish(0, 5);
        assertThat(outbox.cursor("late")).isEqualTo(5);
        publish(5, 8);
        outbox.close();
        open(1 << 20, 64 << 10);
        // its cursor was written when it started: the three events since are still its own
        assertThat(outbox.cursor("late")).isEqualTo(5);
    }

    @Test
    void aRecordTornByACrashIsCutOff() throws IOException {
        open(1 << 20, 64 << 10);
        publish(0, 3);
        outbox.close();
        Path segment = segments().get(0);
        Files.write(segment, new byte[] {0, 0, 0, 40, 1, 2, 3, 4, 2, '{', '"'}, StandardOpenOption.APPEND);

        open(1 << 20, 64 << 10);
        assertThat(outbox.end()).isEqualTo(3);
        publish(3, 5);
        assertThat(outbox.read(0, 10)).extracting(OutboxRecord::seq).containsExactly(0L, 1L, 2L, 3L, 4L);
    }

    @Test
    void pastMaxSizeTheOldestAreDroppedAndCounted() throws IOException {
        open(8 << 10, 1 << 10);
        assertThat(outbox.cursor("slow")).isEqualTo(0); // never takes anything: holds every segment
        publish(0, 200);
        await().atMost(Duration.ofSeconds(10)).until(() -> counters.dropped() > 0);
        assertThat(outbox.start()).isGreaterThan(0);
        assertThat(outbox.bytes()).isLessThanOrEqualTo((8 << 10) + (2 << 10));
        List<OutboxRecord> left = outbox.read(0, 1000);
        assertThat(left.get(0).seq()).isEqualTo(outbox.start());
        assertThat(left.get(left.size() - 1).seq()).isEqualTo(199);
        assertThat(counters.dropped() + left.size()).isEqualTo(200);
    }

    @Test
    void segmentsEveryCursorPassedAreDeleted() throws IOException {
        open(1 << 20, 1 << 10);
        outbox.cursor("app");
        publish(0, 100);
        int before = segments().size();
        assertThat(before).isGreaterThan(3);
        outbox.ack("app", 100);
        publish(100, 110);
        // at most the segment that holds event 99 and 100 stays of those before 100
        await().atMost(Duration.ofSeconds(10))
                .until(() -> segments().stream()
                                .filter(p -> Segment.firstSeqOf(p) < 100)
                                .count()
                        <= 1);
        assertThat(segments().size()).isLessThan(before);
        assertThat(counters.dropped()).isZero();
        assertThat(outbox.read(100, 100)).hasSize(10);
    }

    @Test
    void withoutEndpointsOnlyTheActiveSegmentStays() throws IOException {
        open(1 << 20, 1 << 10);
        publish(0, 100);
        await().atMost(Duration.ofSeconds(10)).until(() -> segments().size() <= 2);
        assertThat(counters.dropped()).isZero();
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(Segment.SUFFIX)).sorted().toList();
        }
    }
}
