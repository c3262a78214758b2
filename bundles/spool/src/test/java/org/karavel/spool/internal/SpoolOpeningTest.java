package org.karavel.spool.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.karavel.spool.internal.TestMessages.address;
import static org.karavel.spool.internal.TestMessages.content;
import static org.karavel.spool.internal.TestMessages.enqueue;
import static org.karavel.spool.internal.TestMessages.envelope;
import static org.karavel.spool.internal.TestMessages.read;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuePage;
import org.karavel.api.queue.QueuedMessage;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

/**
 * What opening costs and what listings read, counted rather than timed: a clean restart skips the
 * orphan sweep, a crash still finds orphans (and spares what this run writes), a short content is
 * found when read, and pages and domain flushes read and visit only what they return.
 */
class SpoolOpeningTest {
    /** Old, of the shape of an issued id: what a crash before a commit leaves. */
    private static final String ORPHAN = "000000000000001";

    @TempDir
    Path dir;

    private static SpoolSettings settings(Path directory) {
        return SpoolSettings.defaults(directory).withMinFreeDisk(0).withEmergencyReserve(1 << 20);
    }

    private DurableSpool open(long sweepDelayMillis) throws IOException {
        return DurableSpool.open(settings(dir), Clock.systemUTC(), SpoolDisk.REAL, sweepDelayMillis);
    }

    /** Writes an orphan inline content and an orphan body file, as a crash between write and commit leaves. */
    private void leaveOrphans() throws IOException {
        DB db = DBMaker.fileDB(dir.resolve(SpoolStore.DB_FILE).toFile())
                .transactionEnable()
                .make();
        try {
            Map<String, byte[]> contents = db.hashMap(SpoolStore.CONTENTS, Serializer.STRING, Serializer.BYTE_ARRAY)
                    .open();
            contents.put(ORPHAN, content(1, 500));
            db.commit();
        } finally {
            db.close();
        }
        Files.write(dir.resolve("bodies").resolve(ORPHAN), content(2, 1000));
    }

    @Test
    void aCleanRestartSkipsTheOrphanSweepWhileACrashStillFindsOrphans() throws Exception {
        QueuedMessage small;
        QueuedMessage large;
        try (DurableSpool spool = open(0)) {
            small = enqueue(spool, envelope(1), content(1, 2_000));
            large = enqueue(spool, envelope(2), content(2, 150_000));
        }
        assertThat(dir.resolve(CleanShutdownMarker.FILE)).exists();
        leaveOrphans();

        try (DurableSpool spool = open(0)) {
            assertThat(dir.resolve(CleanShutdownMarker.FILE)).doesNotExist(); // a crash now is seen as one
            assertThat(spool.openedClean()).isTrue();
            assertThat(spool.orphanSweep().get(60, TimeUnit.SECONDS)).isEqualTo(OrphanSweep.Result.SKIPPED);
            assertThat(dir.resolve("bodies").resolve(ORPHAN)).exists();
            assertThat(read(spool, small.id())).isEqualTo(content(1, 2_000));
        }
        // a crash writes no marker
        Files.delete(dir.resolve(CleanShutdownMarker.FILE));

        try (DurableSpool spool = open(0)) {
            assertThat(spool.openedClean()).isFalse();
            OrphanSweep.Result sweep = spool.orphanSweep().get(60, TimeUnit.SECONDS);
            assertThat(sweep.ran()).isTrue();
            assertThat(sweep.contentsDeleted()).isEqualTo(1);
            assertThat(sweep.filesDeleted()).isEqualTo(1);
            assertThat(dir.resolve("bodies").resolve(ORPHAN)).doesNotExist();
            assertThat(read(spool, small.id())).isEqualTo(content(1, 2_000));
            assertThat(read(spool, large.id())).isEqualTo(content(2, 150_000));
        }
        try (DurableSpool spool = open(0)) {
            assertThat(spool.openedClean()).isTrue();
            assertThat(spool.size()).isEqualTo(2);
        }
    }

    @Test
    void theSweepAfterACrashSparesWhatThisRunWrites() throws Exception {
        try (DurableSpool spool = open(0)) {
            enqueue(spool, envelope(1), content(1, 100));
        }
        Files.delete(dir.resolve(CleanShutdownMarker.FILE));
        leaveOrphans();
        try (DurableSpool spool = open(TimeUnit.HOURS.toMillis(1))) {
            // a draft that outgrew memory and a message queued meanwhile have files the sweep must not touch
            QueuedMessage queued = enqueue(spool, envelope(3), content(3, 200_000));
            MessageDraft draft = spool.create();
            byte[] body = content(7, 300_000);
            draft.write(body, 0, body.length);
            OrphanSweep.Result sweep = spool.sweepOrphans();
            assertThat(sweep.filesDeleted()).isEqualTo(1);
            assertThat(sweep.contentsDeleted()).isEqualTo(1);
            QueuedMessage m = draft.commit(envelope(8)).toCompletableFuture().join();
            assertThat(read(spool, m.id())).isEqualTo(body);
            assertThat(read(spool, queued.id())).isEqualTo(content(3, 200_000));
            assertThat(spool.size()).isEqualTo(3);
        }
    }

    @Test
    void aSweepCutShortByTheStopLeavesNoMarkerSoTheNextStartSweepsAgain() throws Exception {
        try (DurableSpool spool = open(0)) {
            enqueue(spool, envelope(1), content(1, 100));
        }
        Files.delete(dir.resolve(CleanShutdownMarker.FILE));
        leaveOrphans();
        try (DurableSpool spool = open(TimeUnit.HOURS.toMillis(1))) {
            assertThat(spool.openedClean()).isFalse();
        }
        assertThat(dir.resolve(CleanShutdownMarker.FILE)).doesNotExist();
        try (DurableSpool spool = open(0)) {
            assertThat(spool.openedClean()).isFalse();
            assertThat(spool.orphanSweep().get(60, TimeUnit.SECONDS).filesDeleted())
                    .isEqualTo(1);
        }
        assertThat(dir.resolve(CleanShutdownMarker.FILE)).exists();
    }

    @Test
    void aContentCutShortIsFoundWhenReadAndQuarantined() throws Exception {
        QueuedMessage large;
        QueuedMessage other;
        try (DurableSpool spool = open(0)) {
            large = enqueue(spool, envelope(1), content(1, 150_000));
            other = enqueue(spool, envelope(2), content(2, 150_000));
        }
        Path body = dir.resolve("bodies").resolve(large.id().value());
        Files.write(body, content(1, 70_000));
        try (DurableSpool spool = open(0)) {
            assertThat(spool.size()).isEqualTo(2); // opening reads no content
            assertThatThrownBy(() -> read(spool, large.id()))
                    .isInstanceOf(CorruptRecordException.class)
                    .hasMessageContaining("70000 bytes");
            await().atMost(Duration.ofSeconds(60)).until(() -> spool.size() == 1);
            assertThat(spool.quarantineSize()).isEqualTo(1);
            assertThat(dir.resolve("quarantine").resolve(large.id().value())).exists();
            assertThat(read(spool, other.id())).isEqualTo(content(2, 150_000));
        }
    }

    @Test
    void pagesAndDomainFlushesReadAndVisitOnlyWhatTheyReturn() throws Exception {
        List<QueueId> atB = new ArrayList<>();
        try (DurableSpool spool = open(0)) {
            for (int i = 0; i < 330; i++) {
                String domain = i % 11 == 0 ? "b.example" : "c.example";
                atB.addAll(queueTo(spool, i, domain));
            }
            SpoolIndex index = spool.index();
            assertThat(atB).hasSize(30);

            long reads = index.recordReads();
            long visits = index.listVisits();
            QueuePage first = spool.page(null, "b.example", 10);
            assertThat(first.total()).isEqualTo(30);
            assertThat(first.messages()).extracting(QueuedMessage::id).isEqualTo(atB.subList(0, 10));
            assertThat(first.next()).isEqualTo(atB.get(9));
            assertThat(index.recordReads() - reads).isEqualTo(10);
            assertThat(index.listVisits() - visits).isEqualTo(11);

            QueuePage last = spool.page(atB.get(19), "b.example", 10);
            assertThat(last.messages()).extracting(QueuedMessage::id).isEqualTo(atB.subList(20, 30));
            assertThat(last.next()).isNull();

            QueuePage all = spool.page(null, null, 100);
            assertThat(all.total()).isEqualTo(330);
            assertThat(all.messages()).hasSize(100);
            assertThat(all.next()).isEqualTo(all.messages().get(99).id());

            visits = index.listVisits();
            assertThat(spool.flushPendingAt("b.example")).isEqualTo(30);
            assertThat(index.listVisits() - visits).isEqualTo(30); // not the 330 queued
            assertThat(spool.page(null, "nowhere.example", 10).messages()).isEmpty();
        }
        // the index by domain is made again at opening, from the records' index fields
        try (DurableSpool spool = open(0)) {
            QueuePage again = spool.page(null, "b.example", 100);
            assertThat(again.total()).isEqualTo(30);
            assertThat(again.messages()).extracting(QueuedMessage::id).isEqualTo(atB);
        }
    }

    private static List<QueueId> queueTo(DurableSpool spool, int seq, String domain) throws IOException {
        Envelope e = envelope(seq);
        Envelope to = new Envelope(
                e.sender(),
                List.of(address("rcpt" + seq + "@" + domain)),
                e.mailParameters(),
                Instant.ofEpochSecond(1_700_000_000L + seq),
                e.clientAddress(),
                e.heloName(),
                e.listenerName(),
                e.authenticatedUser());
        QueuedMessage m = enqueue(spool, to, content(seq, 200));
        return domain.equals("b.example") ? List.of(m.id()) : List.of();
    }
}
