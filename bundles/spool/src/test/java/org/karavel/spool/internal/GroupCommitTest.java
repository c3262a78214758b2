package org.karavel.spool.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.karavel.spool.internal.TestMessages.content;
import static org.karavel.spool.internal.TestMessages.enqueue;
import static org.karavel.spool.internal.TestMessages.envelope;
import static org.karavel.spool.internal.TestMessages.read;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;

class GroupCommitTest {
    @TempDir
    Path dir;

    @Test
    void twoThousandMessagesFromFiftyThreadsShareFewCommits() throws Exception {
        int threads = 50;
        int perThread = 40;
        Map<QueueId, Integer> queued = new ConcurrentHashMap<>();
        try (DurableSpool spool =
                DurableSpool.open(SpoolSettings.defaults(dir).withMinFreeDisk(0).withEmergencyReserve(1 << 20))) {
            long commitsBefore = spool.commitCount();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                writers.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        int seq = thread * perThread + i;
                        MessageDraft d = spool.create();
                        d.write(content(seq, 1_000));
                        // like an SMTP session: wait for "queued" before the next message
                        QueuedMessage m =
                                d.commit(envelope(seq)).toCompletableFuture().get(30, TimeUnit.SECONDS);
                        queued.put(m.id(), seq);
                    }
                    return null;
                }));
            }
            for (Future<?> w : writers) {
                w.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            long commits = spool.commitCount() - commitsBefore;
            System.out.printf("group commit: %d messages in %d commits%n", queued.size(), commits);

            assertThat(queued).hasSize(threads * perThread);
            assertThat(spool.size()).isEqualTo(threads * perThread);
            assertThat(commits).isLessThan(400);
            for (Map.Entry<QueueId, Integer> e : queued.entrySet()) {
                if (e.getValue() % 97 == 0) {
                    assertThat(read(spool, e.getKey())).isEqualTo(content(e.getValue(), 1_000));
                    assertThat(spool.get(e.getKey()).orElseThrow().envelope()).isEqualTo(envelope(e.getValue()));
                }
            }
        }
    }

    @Test
    void settledDeliveriesWaitForCompanyAndShareOneCommit() throws Exception {
        try (DurableSpool spool = open()) {
            spool.committer().settledLinger(Duration.ofSeconds(30));
            QueuedMessage a = enqueue(spool, envelope(1), content(1, 100));
            QueuedMessage b = enqueue(spool, envelope(2), content(2, 100));
            long before = spool.commitCount();

            CompletableFuture<Boolean> first = spool.remove(a.id()).toCompletableFuture();
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> spool.committer().lingering());
            assertThat(first).isNotDone();
            CompletableFuture<Void> second = spool.update(
                            b.withNextAttempt(1, Instant.now().plusSeconds(600)))
                    .toCompletableFuture();
            // both still wait: a delivery's record is no reason to end the wait
            assertThat(spool.committer().lingering()).isTrue();
            assertThat(first).isNotDone();

            // a new message is: it commits at once, with the settled deliveries in the same commit
            QueuedMessage c = enqueue(spool, envelope(3), content(3, 100));
            assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
            second.get(10, TimeUnit.SECONDS);
            assertThat(spool.commitCount() - before).isEqualTo(1);
            assertThat(spool.get(a.id())).isEmpty();
            assertThat(spool.get(c.id())).isPresent();
        }
    }

    @Test
    void aLoneSettledDeliveryIsCommittedWhenTheWaitEnds() throws Exception {
        try (DurableSpool spool = open()) {
            QueuedMessage a = enqueue(spool, envelope(1), content(1, 100));
            long before = spool.commitCount();
            assertThat(spool.remove(a.id()).toCompletableFuture().get(10, TimeUnit.SECONDS))
                    .isTrue();
            assertThat(spool.commitCount() - before).isEqualTo(1);
        }
    }

    @Test
    void closingEndsTheWaitAndCommitsWhatWaited() throws Exception {
        QueueId id;
        CompletableFuture<Boolean> removal;
        try (DurableSpool spool = open()) {
            spool.committer().settledLinger(Duration.ofSeconds(30));
            id = enqueue(spool, envelope(1), content(1, 100)).id();
            removal = spool.remove(id).toCompletableFuture();
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> spool.committer().lingering());
        }
        assertThat(removal).isCompletedWithValue(true);
        try (DurableSpool spool = open()) {
            assertThat(spool.get(id)).isEmpty();
        }
    }

    private DurableSpool open() throws IOException {
        return DurableSpool.open(SpoolSettings.defaults(dir).withMinFreeDisk(0).withEmergencyReserve(1 << 20));
    }
}
