package org.karavel.spool.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.karavel.spool.internal.TestMessages.content;
import static org.karavel.spool.internal.TestMessages.enqueue;
import static org.karavel.spool.internal.TestMessages.envelope;
import static org.karavel.spool.internal.TestMessages.read;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.queue.DsnRequest;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.api.queue.SpoolFullException;
import org.karavel.testkit.TestClock;

class DurableSpoolTest {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    @TempDir
    Path dir;

    private final TestClock clock = new TestClock(T0);
    private DurableSpool spool;

    @BeforeEach
    void open() throws IOException {
        spool = DurableSpool.open(settings(), clock);
    }

    @AfterEach
    void close() {
        spool.close();
    }

    private SpoolSettings settings() {
        return SpoolSettings.defaults(dir).withMinFreeDisk(0).withEmergencyReserve(1 << 20);
    }

    private void reopen() throws IOException {
        spool.close();
        spool = DurableSpool.open(settings(), clock);
    }

    @Test
    void recentContentsStayWithinTheirBudgetAndReadsAreByteExactEitherWay() throws IOException {
        spool.close();
        spool = DurableSpool.open(settings().withRecentContent(12_000), clock);
        List<QueuedMessage> queued = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            queued.add(enqueue(spool, envelope(10 + i), content(10 + i, 5_000)));
        }
        // the oldest fell out of the heap copy, the two newest are in it; all three read the same
        assertThat(spool.recentContentBytes()).isEqualTo(10_000);
        for (int i = 0; i < 3; i++) {
            assertThat(read(spool, queued.get(i).id())).isEqualTo(content(10 + i, 5_000));
        }
        assertThat(spool.remove(queued.get(2).id()).toCompletableFuture().join())
                .isTrue();
        assertThat(spool.recentContentBytes()).isEqualTo(5_000);
        assertThatThrownBy(() -> spool.openContent(queued.get(2).id())).isInstanceOf(NoSuchFileException.class);
        // a large body is never held: it has its own file
        enqueue(spool, envelope(20), content(20, 300_000));
        assertThat(spool.recentContentBytes()).isEqualTo(5_000);
    }

    @Test
    void bodyFilesOfRemovedMessagesAreEmptiedAndReusedByteExact() throws IOException {
        Path spare = dir.resolve("spare");
        QueuedMessage first = enqueue(spool, envelope(30), content(30, 400_000));
        assertThat(spool.remove(first.id()).toCompletableFuture().join()).isTrue();
        // kept for the next large body, but empty: no old mail lies around, no disk space is held
        try (var files = Files.list(spare)) {
            assertThat(files.toList())
                    .singleElement()
                    .satisfies(f -> assertThat(Files.size(f)).isZero());
        }
        byte[] shorter = content(31, 100_000);
        QueuedMessage second = enqueue(spool, envelope(31), shorter);
        try (var files = Files.list(spare)) {
            assertThat(files.toList()).isEmpty();
        }
        assertThat(spool.bodyFileOf(second.id())).hasSize(shorter.length);
        assertThat(read(spool, second.id())).isEqualTo(shorter);
        // spare files are not kept across a restart
        assertThat(spool.remove(second.id()).toCompletableFuture().join()).isTrue();
        reopen();
        try (var files = Files.list(spare)) {
            assertThat(files.toList()).isEmpty();
        }
    }

    @Test
    void smallAndLargeMessagesRoundTripByteExact() throws IOException {
        byte[] small = content(1, 5_000);
        byte[] large = content(2, 300_000);
        QueuedMessage s = enqueue(spool, envelope(1), small);
        QueuedMessage l = enqueue(spool, envelope(3), large);

        assertThat(spool.isInline(s.id())).isTrue();
        assertThat(spool.isInline(l.id())).isFalse();
        assertThat(spool.bodyFileOf(l.id())).hasSize(large.length);
        assertThat(Files.exists(spool.bodyFileOf(s.id()))).isFalse();

        for (int round = 0; round < 2; round++) {
            assertThat(spool.size()).isEqualTo(2);
            assertThat(spool.list()).extracting(QueuedMessage::id).containsExactly(s.id(), l.id());
            QueuedMessage gs = spool.get(s.id()).orElseThrow();
            assertThat(gs.envelope()).isEqualTo(envelope(1));
            assertThat(gs.size()).isEqualTo(small.length);
            assertThat(gs.recipients()).allMatch(RecipientStatus::isPending);
            assertThat(gs.nextAttempt()).isEqualTo(T0);
            assertThat(spool.get(l.id()).orElseThrow().envelope()).isEqualTo(envelope(3));
            assertThat(read(spool, s.id())).isEqualTo(small);
            assertThat(read(spool, l.id())).isEqualTo(large);
            assertThat(spool.bytes()).isEqualTo(small.length + large.length);
            reopen();
        }
    }

    @Test
    void nullSenderQuotedRecipientAndEmptyBodySurviveReopen() throws IOException {
        QueuedMessage m = enqueue(spool, envelope(21), new byte[0]); // 21: null sender, two recipients
        reopen();
        QueuedMessage back = spool.get(m.id()).orElseThrow();
        assertThat(back.envelope().sender().isNullSender()).isTrue();
        assertThat(back.envelope()).isEqualTo(envelope(21));
        assertThat(back.envelope().recipients().get(1).isQuoted()).isTrue();
        assertThat(read(spool, m.id())).isEmpty();
    }

    @Test
    void updateRecordsRecipientStateAttemptsAndBounce() throws IOException {
        QueuedMessage m = enqueue(spool, envelope(3), content(3, 100));
        List<RecipientStatus> r = new ArrayList<>(m.recipients());
        r.set(0, r.get(0).with(RecipientStatus.State.DELIVERED, "250 2.0.0 Ok", "mx.example.test"));
        r.set(1, r.get(1).with(RecipientStatus.State.PENDING, "451 4.7.1 try later", "mx2.example.test"));
        QueuedMessage changed =
                m.withRecipients(r).withNextAttempt(1, T0.plusSeconds(300)).withBounced(true);
        spool.update(changed).toCompletableFuture().join();

        assertThat(spool.get(m.id())).contains(changed);
        reopen();
        assertThat(spool.get(m.id())).contains(changed);
        assertThat(spool.get(m.id()).orElseThrow().pending()).hasSize(1);
    }

    /** NOTIFY and ORCPT come with the envelope; the delay notice, once sent, is remembered across a restart. */
    @Test
    void dsnRequestsAndTheDelayNoticeSurviveARestart() throws IOException {
        Envelope e = envelope(3);
        Envelope withDsn = new Envelope(
                e.sender(),
                e.recipients(),
                Map.of("RET", "HDRS", "ENVID", "e 3"),
                e.receivedAt(),
                e.clientAddress(),
                e.heloName(),
                e.listenerName(),
                e.authenticatedUser(),
                e.origin(),
                Map.of(
                        e.recipients().get(0),
                        new DsnRequest(EnumSet.of(DsnRequest.Notify.DELAY), "rfc822;orig@example.test")));
        QueuedMessage m = enqueue(spool, withDsn, content(3, 100));
        assertThat(m.delayWarned()).isFalse();
        spool.update(m.withDelayWarned(true)).toCompletableFuture().join();
        reopen();
        QueuedMessage back = spool.get(m.id()).orElseThrow();
        assertThat(back.delayWarned()).isTrue();
        assertThat(back.envelope()).isEqualTo(withDsn);
        assertThat(back.envelope().dsnRequest(e.recipients().get(0)).originalRecipient())
                .isEqualTo("rfc822;orig@example.test");
        assertThat(back.envelope().dsnRequest(e.recipients().get(1))).isEqualTo(DsnRequest.NONE);
    }

    @Test
    void anUpdateAfterTheOperatorRemovedTheMessageFailsAndResurrectsNothing() throws IOException {
        // delivery records its attempt after an operator deleted the message meanwhile
        QueuedMessage m = enqueue(spool, envelope(1), content(1, 100));
        assertThat(spool.remove(m.id()).toCompletableFuture().join()).isTrue();
        QueuedMessage attempted = m.withNextAttempt(1, T0.plusSeconds(300));
        assertThatThrownBy(() -> spool.update(attempted).toCompletableFuture().join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(NoSuchElementException.class);
        assertThat(spool.get(m.id())).isEmpty();
        assertThat(spool.size()).isZero();
        assertThat(spool.flush(m.id())).isFalse();
        reopen();
        assertThat(spool.get(m.id())).isEmpty();
        assertThat(spool.metrics())
                .filteredOn(x -> x.name().equals("karavel_spool_messages"))
                .singleElement()
                .satisfies(x -> assertThat(x.samples().get(0).value()).isZero());
    }

    @Test
    void theOldestMessageAgeIsMeasuredFromItsArrival() throws IOException {
        QueuedMessage m = enqueue(spool, envelope(1), content(1, 100));
        enqueue(spool, envelope(2), content(2, 100));
        clock.set(m.envelope().receivedAt().plusSeconds(90));
        assertThat(spool.metrics())
                .filteredOn(x -> x.name().equals("karavel_spool_oldest_message_age_seconds"))
                .singleElement()
                .satisfies(x -> assertThat(x.samples().get(0).value()).isEqualTo(90.0));
    }

    @Test
    void updateOfUnknownOrMismatchedMessageFailsItsStageOnly() throws IOException {
        QueuedMessage m = enqueue(spool, envelope(1), content(1, 100));
        QueuedMessage ghost = new QueuedMessage(new QueueId("NOSUCHID"), m.envelope(), m.recipients(), 1, 0, T0, false);
        assertThatThrownBy(() -> spool.update(ghost).toCompletableFuture().join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(NoSuchElementException.class);
        QueuedMessage otherRecipients = m.withRecipients(
                envelope(2).recipients().stream().map(RecipientStatus::pending).toList());
        assertThatThrownBy(() ->
                        spool.update(otherRecipients).toCompletableFuture().join())
                .hasCauseInstanceOf(IllegalArgumentException.class);
        assertThat(spool.get(m.id())).contains(m);
    }

    @Test
    void removeDeletesRecordAndBodyFile() throws IOException {
        QueuedMessage large = enqueue(spool, envelope(1), content(1, 200_000));
        QueuedMessage small = enqueue(spool, envelope(2), content(2, 200));
        Path body = spool.bodyFileOf(large.id());
        assertThat(body).exists();

        assertThat(spool.remove(large.id()).toCompletableFuture().join()).isTrue();
        assertThat(body).doesNotExist();
        assertThat(spool.get(large.id())).isEmpty();
        assertThatThrownBy(() -> spool.openContent(large.id())).isInstanceOf(NoSuchFileException.class);
        assertThat(spool.remove(large.id()).toCompletableFuture().join()).isFalse();

        assertThat(spool.remove(small.id()).toCompletableFuture().join()).isTrue();
        assertThat(spool.size()).isZero();
        assertThat(spool.bytes()).isZero();
        reopen();
        assertThat(spool.size()).isZero();
        assertThat(spool.list()).isEmpty();
        try (var files = Files.list(dir.resolve("bodies"))) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void dueOrdersByNextAttemptThenAgeAndSkipsFinishedMessages() throws IOException {
        QueuedMessage a = enqueue(spool, envelope(1), content(1, 10));
        QueuedMessage b = enqueue(spool, envelope(2), content(2, 10));
        QueuedMessage c = enqueue(spool, envelope(4), content(4, 10));
        QueuedMessage d = enqueue(spool, envelope(5), content(5, 10));
        spool.update(a.withNextAttempt(1, T0.plusSeconds(600)))
                .toCompletableFuture()
                .join();
        spool.update(b.withNextAttempt(1, T0.plusSeconds(300)))
                .toCompletableFuture()
                .join();
        spool.update(d.withRecipients(
                        List.of(d.recipients().get(0).with(RecipientStatus.State.DELIVERED, "250 ok", "mx"))))
                .toCompletableFuture()
                .join();

        assertThat(spool.due(T0, 10)).extracting(QueuedMessage::id).containsExactly(c.id());
        assertThat(spool.due(T0.plusSeconds(300), 10))
                .extracting(QueuedMessage::id)
                .containsExactly(c.id(), b.id());
        assertThat(spool.due(T0.plusSeconds(3600), 10))
                .extracting(QueuedMessage::id)
                .containsExactly(c.id(), b.id(), a.id());
        assertThat(spool.due(T0.plusSeconds(3600), 2))
                .extracting(QueuedMessage::id)
                .containsExactly(c.id(), b.id());
        assertThat(spool.list()).extracting(QueuedMessage::id).containsExactly(a.id(), b.id(), c.id(), d.id());

        reopen(); // the schedule is rebuilt from the stored next attempts
        assertThat(spool.due(T0.plusSeconds(300), 10))
                .extracting(QueuedMessage::id)
                .containsExactly(c.id(), b.id());
    }

    @Test
    void flushMakesMessagesDueNowAndTellsListeners() throws IOException {
        QueuedMessage a = enqueue(spool, envelope(1), content(1, 10));
        QueuedMessage b = enqueue(spool, envelope(2), content(2, 10));
        spool.update(a.withNextAttempt(2, T0.plusSeconds(3600)))
                .toCompletableFuture()
                .join();
        spool.update(b.withNextAttempt(3, T0.plusSeconds(7200)))
                .toCompletableFuture()
                .join();
        clock.advance(Duration.ofSeconds(10));
        AtomicInteger told = new AtomicInteger();
        spool.addListener(told::incrementAndGet);

        assertThat(spool.due(clock.instant(), 10)).isEmpty();
        assertThat(spool.flush(a.id())).isTrue();
        await().until(() -> told.get() >= 1);
        assertThat(spool.due(clock.instant(), 10)).extracting(QueuedMessage::id).containsExactly(a.id());
        assertThat(spool.get(a.id()).orElseThrow().attempts()).isEqualTo(2);
        assertThat(spool.get(a.id()).orElseThrow().nextAttempt()).isEqualTo(clock.instant());

        assertThat(spool.flush(new QueueId("UNKNOWN"))).isFalse();
        int before = told.get();
        assertThat(spool.flushAll()).isEqualTo(2);
        await().until(() -> told.get() > before);
        assertThat(spool.due(clock.instant(), 10)).extracting(QueuedMessage::id).containsExactly(a.id(), b.id());
        assertThat(spool.get(b.id()).orElseThrow().attempts()).isEqualTo(3);
    }

    @Test
    void listenersRunAfterCommitsThatAddMessagesAndSurviveFailingListeners() throws IOException {
        AtomicInteger told = new AtomicInteger();
        Runnable failing = () -> {
            throw new IllegalStateException("listener bug");
        };
        spool.addListener(failing);
        spool.addListener(told::incrementAndGet);
        enqueue(spool, envelope(1), content(1, 10));
        await().until(() -> told.get() >= 1);
        int after = told.get();
        enqueue(spool, envelope(2), content(2, 10));
        await().until(() -> told.get() > after);

        AtomicInteger second = new AtomicInteger();
        Runnable counted = second::incrementAndGet;
        spool.addListener(counted);
        spool.removeListener(counted);
        spool.removeListener(failing);
        int later = told.get();
        enqueue(spool, envelope(3), content(3, 10));
        await().until(() -> told.get() > later);
        assertThat(second.get()).isZero();
    }

    @Test
    void spoolFullRefusesCreateOrCommitAndAcceptsAgainAfterRemoval() throws IOException {
        spool.close();
        spool = DurableSpool.open(settings().withMaxSpoolBytes(10_000), clock);
        QueuedMessage first = enqueue(spool, envelope(1), content(1, 4_000));
        enqueue(spool, envelope(2), content(2, 4_000));

        MessageDraft tooBig = spool.create();
        tooBig.write(content(3, 4_000));
        assertThatThrownBy(
                        () -> tooBig.commit(envelope(3)).toCompletableFuture().join())
                .hasCauseInstanceOf(SpoolFullException.class);

        enqueue(spool, envelope(4), content(4, 2_000)); // exactly at the limit
        assertThatThrownBy(spool::create).isInstanceOf(SpoolFullException.class);

        assertThat(spool.remove(first.id()).toCompletableFuture().join()).isTrue();
        QueuedMessage again = enqueue(spool, envelope(5), content(5, 3_000));
        assertThat(spool.get(again.id())).isPresent();
        assertThat(spool.size()).isEqualTo(3);
        assertThat(spool.bytes()).isEqualTo(9_000);
    }

    @Test
    void tooLittleFreeDiskRefusesNewDrafts() throws IOException {
        spool.close();
        spool = DurableSpool.open(settings().withMinFreeDisk(Long.MAX_VALUE), clock);
        assertThatThrownBy(spool::create).isInstanceOf(SpoolFullException.class).hasMessageContaining("free");
    }

    @Test
    void fullFileSystemWhileWritingABodyIsASpoolFull() throws IOException {
        // /dev/full fails every write with ENOSPC, as a full file system does; the body file points there
        assertThat(Path.of("/dev/full")).exists();
        SpoolDraft draft = (SpoolDraft) spool.create();
        Path bodyFile = spool.bodyFileOf(draft.id());
        Files.createDirectories(bodyFile.getParent());
        Files.createSymbolicLink(bodyFile, Path.of("/dev/full"));
        byte[] chunk = new byte[8192];
        assertThatThrownBy(() -> {
                    for (int i = 0; i < 20; i++) {
                        draft.write(chunk);
                    }
                })
                .isInstanceOf(SpoolFullException.class)
                .hasMessageContaining("No space left on device");
        draft.abort();
        assertThat(Files.exists(bodyFile, LinkOption.NOFOLLOW_LINKS)).isFalse();

        // other I/O failures stay what they are; the spool goes on
        IOException other = new IOException("Input/output error");
        assertThat(SpoolDraft.diskFullOr(other)).isSameAs(other);
        // a commit whose journal write hit ENOSPC, wrapped by MapDB
        IOException commit = new IOException(
                "spool commit failed", new RuntimeException(new IOException("No space left on device")));
        assertThat(SpoolDraft.diskFullOr(commit))
                .isInstanceOf(SpoolFullException.class)
                .hasCause(commit);
        byte[] large = content(2, 300_000);
        QueuedMessage m = enqueue(spool, envelope(2), large);
        try (var in = spool.openContent(m.id())) {
            assertThat(in.readAllBytes()).isEqualTo(large);
        }
    }

    @Test
    void draftOfTwentyMegabytesKeepsAtMostDraftMemoryInHeap() throws IOException {
        int limit = settings().draftMemoryBytes();
        byte[] chunk = new byte[8192];
        SpoolDraft draft = (SpoolDraft) spool.create();
        long total = 20L * 1024 * 1024;
        int maxHeap = 0;
        MessageDigest written = sha256();
        for (long off = 0; off < total; off += chunk.length) {
            Arrays.fill(chunk, (byte) (off / chunk.length));
            draft.write(chunk);
            written.update(chunk);
            maxHeap = Math.max(maxHeap, draft.heapBytes());
        }
        assertThat(maxHeap).isLessThanOrEqualTo(limit);
        assertThat(draft.heapBytes()).isZero();
        assertThat(draft.spilled()).isTrue();
        assertThat(draft.size()).isEqualTo(total);
        assertThat(spool.bodyFileOf(draft.id())).hasSize(total); // on disk before the commit

        QueuedMessage m = draft.commit(envelope(1)).toCompletableFuture().join();
        assertThat(m.size()).isEqualTo(total);
        MessageDigest stored = sha256();
        try (var in = spool.openContent(m.id())) {
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0; ) {
                stored.update(buf, 0, n);
            }
        }
        assertThat(stored.digest()).isEqualTo(written.digest());
    }

    @Test
    void abortedDraftLeavesNothingBehind() throws IOException {
        MessageDraft draft = spool.create();
        draft.write(content(1, 200_000));
        Path body = spool.bodyFileOf(draft.id());
        assertThat(body).exists();
        draft.close();
        assertThat(body).doesNotExist();
        assertThatThrownBy(() -> draft.write(new byte[1])).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> draft.commit(envelope(1)).toCompletableFuture().join())
                .hasCauseInstanceOf(IOException.class);
        assertThat(spool.size()).isZero();
    }

    @Test
    void closeCommitsWhatIsQueuedRefusesNewDraftsAndReopensAtOnce() throws IOException {
        List<CompletableFuture<QueuedMessage>> stages = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            MessageDraft d = spool.create();
            d.write(content(i, i % 10 == 0 ? 70_000 : 500));
            stages.add(d.commit(envelope(i)).toCompletableFuture());
        }
        MessageDraft open = spool.create();
        open.write(content(999, 100_000));
        spool.close();

        assertThat(stages).allMatch(s -> s.isDone() && !s.isCompletedExceptionally());
        assertThatThrownBy(spool::create).isInstanceOf(IOException.class).hasMessage("spool is stopping");
        assertThatThrownBy(() -> open.write(new byte[1]))
                .isInstanceOf(IOException.class)
                .hasMessage("spool is stopping");
        assertThat(spool.bodyFileOf(open.id())).doesNotExist();

        for (int round = 0; round < 5; round++) { // a quick stop/start must find the lock released
            spool = DurableSpool.open(settings(), clock);
            assertThat(spool.size()).isEqualTo(300);
            spool.close();
        }
        spool = DurableSpool.open(settings(), clock);
        for (int i = 0; i < 300; i += 37) {
            QueuedMessage m = stages.get(i).join();
            assertThat(read(spool, m.id())).isEqualTo(content(i, i % 10 == 0 ? 70_000 : 500));
        }
        assertThat(spool.remove(new QueueId("X")).toCompletableFuture().join()).isFalse();
    }

    @Test
    void changesAfterCloseFailWithSpoolIsStopping() throws IOException {
        QueuedMessage m = enqueue(spool, envelope(1), content(1, 10));
        spool.close();
        assertThatThrownBy(() -> spool.update(m).toCompletableFuture().join()).hasCauseInstanceOf(IOException.class);
        assertThatThrownBy(() -> spool.remove(m.id()).toCompletableFuture().join())
                .hasCauseInstanceOf(IOException.class);
        spool = DurableSpool.open(settings(), clock);
        assertThat(spool.get(m.id())).isPresent();
    }

    @Test
    void queueIdsAreNewerThanAnyBeforeARestartEvenWhenTheClockGoesBack() throws IOException {
        QueuedMessage before = enqueue(spool, envelope(1), content(1, 10));
        spool.close();
        clock.set(T0.minus(Duration.ofDays(1)));
        spool = DurableSpool.open(settings(), clock);
        QueuedMessage after = enqueue(spool, envelope(2), content(2, 10));
        assertThat(after.id()).isGreaterThan(before.id());
        assertThat(spool.list()).extracting(QueuedMessage::id).containsExactly(before.id(), after.id());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException ex) {
            throw new AssertionError(ex);
        }
    }
}
