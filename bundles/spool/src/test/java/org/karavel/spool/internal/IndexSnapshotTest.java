package org.karavel.spool.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.karavel.spool.internal.TestMessages.address;
import static org.karavel.spool.internal.TestMessages.content;
import static org.karavel.spool.internal.TestMessages.enqueue;
import static org.karavel.spool.internal.TestMessages.envelope;
import static org.karavel.spool.internal.TestMessages.read;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;

/**
 * The index snapshot of a clean close, counted rather than timed: a clean restart builds its index
 * reading no record; a snapshot that is damaged, missing, of another state of the store, or left
 * from before a crash is never used, and the full scan still finds every message.
 */
class IndexSnapshotTest {
    private static final int QUEUED = 60;

    @TempDir
    Path dir;

    @TempDir
    Path crashed;

    private static DurableSpool open(Path directory) throws IOException {
        return DurableSpool.open(
                SpoolSettings.defaults(directory).withMinFreeDisk(0).withEmergencyReserve(1 << 20),
                Clock.systemUTC(),
                SpoolDisk.REAL,
                0);
    }

    private static Path snapshot(Path directory) {
        return directory.resolve(IndexSnapshot.FILE);
    }

    /** Queues {@link #QUEUED} messages to two domains (large ones in body files) and finishes one recipient of some. */
    private static List<QueueId> fill(DurableSpool spool, int from) throws IOException {
        List<QueueId> ids = new ArrayList<>();
        for (int i = from; i < from + QUEUED; i++) {
            Envelope e = envelope(i);
            Envelope to = new Envelope(
                    e.sender(),
                    List.of(address("a" + i + "@b.example"), address("a" + i + "@c.example")),
                    e.mailParameters(),
                    Instant.ofEpochSecond(1_700_000_000L + i),
                    e.clientAddress(),
                    e.heloName(),
                    e.listenerName(),
                    e.authenticatedUser());
            QueuedMessage m = enqueue(spool, to, content(i, i % 10 == 0 ? 150_000 : 300));
            if (i % 3 == 0) {
                List<RecipientStatus> rs = new ArrayList<>(m.recipients());
                rs.set(0, rs.get(0).with(RecipientStatus.State.DELIVERED, "250 2.0.0 Ok", "mx.b.example"));
                spool.update(m.withRecipients(rs)
                                .withNextAttempt(1, m.nextAttempt().plusSeconds(600)))
                        .toCompletableFuture()
                        .join();
            }
            ids.add(m.id());
        }
        return ids;
    }

    private static void assertAllThere(DurableSpool spool, List<QueueId> ids) throws IOException {
        assertThat(spool.size()).isEqualTo(ids.size());
        for (QueueId id : ids) {
            assertThat(spool.get(id)).isPresent();
            assertThat(read(spool, id)).isNotEmpty();
        }
        long atB = ids.stream()
                .filter(id -> spool.get(id).orElseThrow().recipients().get(0).isPending())
                .count();
        assertThat(spool.page(null, "b.example", 1000).total()).isEqualTo((int) atB);
        assertThat(spool.page(null, "c.example", 1000).total()).isEqualTo(ids.size());
    }

    @Test
    void aCleanRestartBuildsItsIndexFromTheSnapshotReadingNoRecord() throws Exception {
        List<QueueId> ids;
        long bytes;
        try (DurableSpool spool = open(dir)) {
            ids = fill(spool, 1);
            bytes = spool.bytes();
        }
        assertThat(snapshot(dir)).exists();
        assertThat(dir.resolve(CleanShutdownMarker.FILE)).exists();
        try (DurableSpool spool = open(dir)) {
            assertThat(spool.openedFromSnapshot()).isTrue();
            assertThat(spool.recordsReadAtOpening()).isZero();
            assertThat(spool.index().recordReads()).isZero();
            assertThat(snapshot(dir)).doesNotExist(); // a crash of this run must not find it
            assertThat(spool.bytes()).isEqualTo(bytes);
            assertAllThere(spool, ids);
            // the index it built schedules as the scan's would
            assertThat(spool.due(Instant.now().plusSeconds(86_400 * 30), 1000)).hasSize(QUEUED);
            ids.addAll(fill(spool, 1000));
        }
        try (DurableSpool spool = open(dir)) {
            assertThat(spool.openedFromSnapshot()).isTrue();
            assertAllThere(spool, ids);
        }
    }

    @Test
    void aDamagedCutOrMissingSnapshotFallsBackToTheScan() throws Exception {
        List<QueueId> ids;
        try (DurableSpool spool = open(dir)) {
            ids = fill(spool, 1);
        }
        byte[] whole = Files.readAllBytes(snapshot(dir));
        byte[] flipped = whole.clone();
        flipped[whole.length / 2] ^= 0x10;
        byte[] cut = Arrays.copyOf(whole, whole.length - 20);
        for (byte[] bad : List.of(flipped, cut, new byte[0])) {
            Files.write(snapshot(dir), bad);
            try (DurableSpool spool = open(dir)) {
                assertThat(spool.openedFromSnapshot()).isFalse();
                assertThat(spool.openedClean()).isTrue();
                assertThat(spool.recordsReadAtOpening()).isEqualTo(QUEUED);
                assertAllThere(spool, ids);
            }
        }
        Files.delete(snapshot(dir));
        try (DurableSpool spool = open(dir)) {
            assertThat(spool.openedFromSnapshot()).isFalse();
            assertThat(spool.recordsReadAtOpening()).isEqualTo(QUEUED);
            assertAllThere(spool, ids);
        }
    }

    @Test
    void aSnapshotOfAnotherStateOfTheStoreIsNotUsed() throws Exception {
        List<QueueId> ids;
        try (DurableSpool spool = open(dir)) {
            ids = fill(spool, 1);
        }
        Path older = crashed.resolve("older-snapshot");
        Files.copy(snapshot(dir), older);
        try (DurableSpool spool = open(dir)) {
            ids.addAll(fill(spool, 1000));
            assertThat(spool.remove(ids.remove(0)).toCompletableFuture().join()).isTrue();
        }
        // the marker is this close's; the snapshot an earlier one's
        Files.copy(older, snapshot(dir), StandardCopyOption.REPLACE_EXISTING);
        try (DurableSpool spool = open(dir)) {
            assertThat(spool.openedFromSnapshot()).isFalse();
            assertThat(spool.recordsReadAtOpening()).isEqualTo(ids.size());
            assertAllThere(spool, ids);
        }
    }

    @Test
    void aCrashAfterASnapshotWasWrittenNeverUsesAStaleOne() throws Exception {
        List<QueueId> ids;
        try (DurableSpool spool = open(dir)) {
            ids = fill(spool, 1);
        }
        Path older = crashed.resolve("older-snapshot");
        Files.copy(snapshot(dir), older);
        Path image = crashed.resolve("image");
        try (DurableSpool spool = open(dir)) {
            assertThat(spool.openedFromSnapshot()).isTrue();
            ids.addAll(fill(spool, 1000));
            // what a crash now leaves: the directory as its commits made it, no close
            copyTree(dir, image);
        }
        Path again = crashed.resolve("again");
        copyTree(image, again);
        try (DurableSpool spool = open(image)) {
            assertThat(spool.openedClean()).isFalse();
            assertThat(spool.openedFromSnapshot()).isFalse();
            assertThat(spool.recordsReadAtOpening()).isEqualTo(ids.size());
            assertAllThere(spool, ids);
        }
        // even with the old snapshot and a marker put back (a restore gone wrong), the store says it is stale
        Files.copy(older, snapshot(again), StandardCopyOption.REPLACE_EXISTING);
        Files.createFile(again.resolve(CleanShutdownMarker.FILE));
        try (DurableSpool spool = open(again)) {
            assertThat(spool.openedFromSnapshot()).isFalse();
            assertAllThere(spool, ids);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
