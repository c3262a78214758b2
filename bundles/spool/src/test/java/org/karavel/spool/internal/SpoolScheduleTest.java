package org.karavel.spool.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.karavel.spool.internal.TestMessages.address;
import static org.karavel.spool.internal.TestMessages.content;
import static org.karavel.spool.internal.TestMessages.enqueue;
import static org.karavel.spool.internal.TestMessages.envelope;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.testkit.TestClock;

/**
 * The spool's schedule: due selection after retries, restarts, removals and bounces, and a scan
 * whose cost (entries visited, records read) follows what is due, not what waits.
 */
class SpoolScheduleTest {
    private static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");

    @TempDir
    Path dir;

    private final TestClock clock = new TestClock(T0);
    private DurableSpool spool;

    @BeforeEach
    void open() throws IOException {
        spool = DurableSpool.open(settings(dir), clock);
    }

    @AfterEach
    void close() {
        spool.close();
    }

    private static SpoolSettings settings(Path directory) {
        return SpoolSettings.defaults(directory).withMinFreeDisk(0).withEmergencyReserve(1 << 20);
    }

    private void reopen() throws IOException {
        spool.close();
        spool = DurableSpool.open(settings(dir), clock);
    }

    /** Queues n messages at once (they share commits); their ids in the order of queueing. */
    private List<QueueId> queue(int n, int firstSeq) throws IOException {
        List<CompletableFuture<QueuedMessage>> queued = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            try (MessageDraft draft = spool.create()) {
                draft.write(content(firstSeq + i, 300), 0, 300);
                queued.add(draft.commit(envelope(firstSeq + i)).toCompletableFuture());
            }
        }
        return queued.stream().map(f -> f.join().id()).toList();
    }

    /** What a failed attempt records: one more attempt, the next one {@code later}. */
    private void defer(QueueId id, Duration later) {
        QueuedMessage m = spool.get(id).orElseThrow();
        spool.update(m.withNextAttempt(m.attempts() + 1, clock.instant().plus(later)))
                .toCompletableFuture()
                .join();
    }

    /** Defers many at once (their updates share commits). */
    private void deferAll(List<QueueId> ids, Duration later) {
        List<CompletableFuture<Void>> updates = new ArrayList<>();
        for (QueueId id : ids) {
            QueuedMessage m = spool.get(id).orElseThrow();
            updates.add(spool.update(
                            m.withNextAttempt(m.attempts() + 1, clock.instant().plus(later)))
                    .toCompletableFuture());
        }
        updates.forEach(CompletableFuture::join);
    }

    private void bounce(QueueId id) {
        QueuedMessage m = spool.get(id).orElseThrow();
        List<RecipientStatus> bounced = m.recipients().stream()
                .map(r -> r.with(RecipientStatus.State.BOUNCED, "550 5.1.1 no such user", "mx.example.test"))
                .toList();
        spool.update(m.withRecipients(bounced)).toCompletableFuture().join();
    }

    private List<QueueId> dueIds() {
        return spool.due(clock.instant(), 10_000).stream()
                .map(QueuedMessage::id)
                .toList();
    }

    @Test
    void dueSelectionFollowsRetriesRemovalsBouncesAndRestarts() throws IOException {
        List<QueueId> ids = queue(12, 1);
        assertThat(dueIds()).containsExactlyElementsOf(ids);

        // 0-3 retried in 10 minutes, 4-5 in 5 minutes, 6 removed (delivered), 7 bounced
        for (int i = 0; i < 4; i++) {
            defer(ids.get(i), Duration.ofMinutes(10));
        }
        defer(ids.get(4), Duration.ofMinutes(5));
        defer(ids.get(5), Duration.ofMinutes(5));
        assertThat(spool.remove(ids.get(6)).toCompletableFuture().join()).isTrue();
        bounce(ids.get(7));
        List<QueueId> stillDue = List.of(ids.get(8), ids.get(9), ids.get(10), ids.get(11));
        assertThat(dueIds()).containsExactlyElementsOf(stillDue);

        reopen();
        assertThat(dueIds()).containsExactlyElementsOf(stillDue);
        assertThat(spool.size()).isEqualTo(11);

        // five minutes on: longest waiting first (never tried, due since T0), then the 5-minute retries
        clock.advance(Duration.ofMinutes(5));
        assertThat(dueIds()).containsExactly(ids.get(8), ids.get(9), ids.get(10), ids.get(11), ids.get(4), ids.get(5));
        // a retry of a retry moves it back
        defer(ids.get(4), Duration.ofMinutes(20));
        clock.advance(Duration.ofMinutes(5));
        reopen();
        assertThat(dueIds())
                .containsExactly(
                        ids.get(8),
                        ids.get(9),
                        ids.get(10),
                        ids.get(11),
                        ids.get(5),
                        ids.get(0),
                        ids.get(1),
                        ids.get(2),
                        ids.get(3));
        // the bounced message stays (its DSN is the caller's business) but is never due
        assertThat(spool.get(ids.get(7))).isPresent();
        assertThat(dueIds()).doesNotContain(ids.get(7), ids.get(6));
        // flush makes a waiting message due at once
        assertThat(spool.flush(ids.get(4))).isTrue();
        await().until(() -> dueIds().contains(ids.get(4)));
    }

    @Test
    void aScanCostsWhatIsDueNotWhatWaits() throws IOException {
        List<QueueId> ids = queue(400, 100);
        deferAll(ids.subList(10, ids.size()), Duration.ofHours(1));
        SpoolIndex index = spool.index();
        long visits = index.scheduleVisits();
        long reads = index.recordReads();
        assertThat(spool.due(clock.instant(), 1_000)).hasSize(10);
        long visitsFor400 = index.scheduleVisits() - visits;
        assertThat(index.recordReads() - reads).isEqualTo(10);
        // ten due and the first one that is not
        assertThat(visitsFor400).isEqualTo(11);

        // four times as many waiting: the same cost
        List<QueueId> more = queue(1_200, 1_000);
        deferAll(more, Duration.ofHours(2));
        visits = index.scheduleVisits();
        reads = index.recordReads();
        assertThat(spool.due(clock.instant(), 1_000)).hasSize(10);
        assertThat(index.scheduleVisits() - visits).isEqualTo(visitsFor400);
        assertThat(index.recordReads() - reads).isEqualTo(10);

        // messages in flight are passed over unread; the limit bounds the reads
        Set<QueueId> inFlight = Set.copyOf(ids.subList(0, 4));
        reads = index.recordReads();
        assertThat(spool.due(clock.instant(), 1_000, inFlight::contains))
                .extracting(QueuedMessage::id)
                .containsExactlyElementsOf(ids.subList(4, 10));
        assertThat(index.recordReads() - reads).isEqualTo(6);
        reads = index.recordReads();
        assertThat(spool.due(clock.instant(), 3)).hasSize(3);
        assertThat(index.recordReads() - reads).isEqualTo(3);

        // nothing due: one look at the schedule, no record read
        clock.set(T0.minus(Duration.ofMinutes(1)));
        visits = index.scheduleVisits();
        reads = index.recordReads();
        assertThat(spool.due(clock.instant(), 1_000)).isEmpty();
        assertThat(index.scheduleVisits() - visits).isEqualTo(1);
        assertThat(index.recordReads() - reads).isZero();
    }

    @Test
    void aScanDoesNotVisitMessagesSetAsideInFlight() throws IOException {
        List<QueueId> ids = queue(400, 100);
        SpoolIndex index = spool.index();
        // 390 taken for delivery (held for their sites' rates, say): out of the schedule until settled
        ids.subList(0, 390).forEach(spool::setAside);
        assertThat(index.asideCount()).isEqualTo(390);
        long visits = index.scheduleVisits();
        long reads = index.recordReads();
        assertThat(spool.due(clock.instant(), 1_000, id -> false))
                .extracting(QueuedMessage::id)
                .containsExactlyElementsOf(ids.subList(390, 400));
        // the ten due, none of the 390 in flight
        assertThat(index.scheduleVisits() - visits).isEqualTo(10);
        assertThat(index.recordReads() - reads).isEqualTo(10);

        // an attempt recorded: scheduled as its record says; put back afterwards changes nothing
        defer(ids.get(0), Duration.ofMinutes(10));
        spool.putBack(ids.get(0));
        // an aborted attempt (nothing written): put back, due again at once
        spool.putBack(ids.get(1));
        // delivered: removed, and put back to no effect
        assertThat(spool.remove(ids.get(2)).toCompletableFuture().join()).isTrue();
        spool.putBack(ids.get(2));
        assertThat(index.asideCount()).isEqualTo(387);
        assertThat(dueIds()).first().isEqualTo(ids.get(1));
        assertThat(dueIds()).hasSize(11).doesNotContain(ids.get(0), ids.get(2));
        clock.advance(Duration.ofMinutes(10));
        assertThat(dueIds()).hasSize(12).contains(ids.get(0));

        // a restart forgets what was in flight: everything pending is due
        reopen();
        assertThat(spool.index().asideCount()).isZero();
        assertThat(dueIds()).hasSize(399);
    }

    @Test
    void flushingMoreThanAChunkMakesEveryWaitingMessageDue() throws Exception {
        int n = 10_500;
        queue(n, 5_000);
        // an hour before they were queued nothing is due; a flush makes every one due at that time
        clock.set(T0.minus(Duration.ofHours(1)));
        assertThat(spool.due(clock.instant(), n)).isEmpty();
        assertThat(spool.flushAll()).isEqualTo(n);
        await().atMost(Duration.ofMinutes(2))
                .until(() -> spool.due(clock.instant(), n + 1).size() == n);
    }

    @Test
    void pendingDomainsAreToldFromTheIndexWithoutReadingRecords() throws IOException {
        Envelope two = new Envelope(
                address("news@sender.example.test"),
                List.of(address("a@one.example.test"), address("b@one.example.test"), address("c@two.example.test")),
                Map.of(),
                T0,
                "192.0.2.1",
                "client.example.test",
                "mx",
                "");
        QueueId first = enqueue(spool, two, content(1, 200)).id();
        QueueId done = queue(1, 2).get(0);
        bounce(done);
        // a delivered recipient is no longer pending
        QueuedMessage m = spool.get(first).orElseThrow();
        List<RecipientStatus> partly = new ArrayList<>(m.recipients());
        partly.set(2, partly.get(2).with(RecipientStatus.State.DELIVERED, "250 ok", "mx.two.example.test"));
        spool.update(m.withRecipients(partly)).toCompletableFuture().join();
        reopen();

        long reads = spool.index().recordReads();
        Map<String, Integer> recipients = new TreeMap<>();
        List<Instant> arrivals = new ArrayList<>();
        spool.forEachPending((received, domains) -> {
            arrivals.add(received);
            domains.forEach(d -> recipients.merge(d, 1, Integer::sum));
        });
        assertThat(recipients).containsExactly(Map.entry("one.example.test", 2));
        assertThat(arrivals).containsExactly(T0);
        assertThat(spool.index().recordReads()).isEqualTo(reads);
    }

    /**
     * A spool written by earlier builds (records of format 1, 2 and 3; the index is only ever in
     * memory, so there is nothing else to upgrade) opens with every message in the schedule.
     */
    @Test
    void recordsOfEveryFormatVersionAreScheduledAfterAnUpgrade() throws Exception {
        for (String fixture : List.of("v2-inline.bin", "v3-inline.bin")) {
            Path old = dir.resolve("old-" + fixture);
            Files.createDirectories(old);
            Map<String, byte[]> records = new TreeMap<>();
            records.put("V1REC1", hex("v1-authenticated.hex"));
            records.put("V1REC2", hex("v1-unauthenticated.hex"));
            records.put("1M9A0B1C2D3E4F6", resource(fixture));
            try (SpoolStore store = SpoolStore.open(old)) {
                for (Map.Entry<String, byte[]> r : records.entrySet()) {
                    StoredMessage s = MessageRecordFormat.decode(r.getKey(), r.getValue());
                    store.messages().put(r.getKey(), r.getValue());
                    store.contents().put(r.getKey(), content(1, (int) s.size()));
                }
                store.commit();
            }
            try (DurableSpool upgraded = DurableSpool.open(settings(old), clock)) {
                assertThat(upgraded.quarantinedAtStart()).isEmpty();
                assertThat(upgraded.size()).isEqualTo(3);
                Set<String> due = upgraded.due(clock.instant(), 100).stream()
                        .map(q -> q.id().value())
                        .collect(Collectors.toSet());
                assertThat(due).as(fixture).isEqualTo(pendingOf(records));
                assertThat(upgraded.list()).hasSize(3);
            }
        }
    }

    private static Set<String> pendingOf(Map<String, byte[]> records) throws CorruptRecordException {
        Set<String> pending = new HashSet<>();
        for (Map.Entry<String, byte[]> r : records.entrySet()) {
            if (!MessageRecordFormat.decode(r.getKey(), r.getValue()).message().isFinished()) {
                pending.add(r.getKey());
            }
        }
        return pending;
    }

    private static byte[] resource(String name) throws IOException {
        try (var in = SpoolScheduleTest.class.getResourceAsStream("/records/" + name)) {
            return in.readAllBytes();
        }
    }

    private static byte[] hex(String name) throws IOException {
        return HexFormat.of().parseHex(new String(resource(name), StandardCharsets.US_ASCII).strip());
    }
}
