package org.karavel.spool.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.karavel.spool.internal.TestMessages.content;
import static org.karavel.spool.internal.TestMessages.enqueue;
import static org.karavel.spool.internal.TestMessages.envelope;
import static org.karavel.spool.internal.TestMessages.read;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.queue.QueuedMessage;

/**
 * A reader interrupted in the middle of a read (a delivery worker cut at {@code bin/stop}, an admin
 * request's thread, a shell command stopped with Ctrl-C) makes the JDK close the file channel it was
 * reading: the spool's store must go on serving every other reader, commit, and close cleanly.
 */
class InterruptedReadTest {
    @TempDir
    Path dir;

    private DurableSpool open() throws Exception {
        return DurableSpool.open(
                SpoolSettings.defaults(dir).withMinFreeDisk(0).withEmergencyReserve(1 << 20),
                Clock.systemUTC(),
                SpoolDisk.REAL,
                0);
    }

    @Test
    void aReaderInterruptedMidReadLeavesTheStoreOpenForEveryoneAndTheCloseClean() throws Exception {
        List<QueuedMessage> queued = new ArrayList<>();
        try (DurableSpool spool = open()) {
            for (int i = 1; i <= 40; i++) {
                queued.add(enqueue(spool, envelope(i), content(i, 500)));
            }
        }
        try (DurableSpool spool = open()) {
            QueuedMessage first = queued.get(0);
            // the interrupt is pending when the read reaches the channel: what an interrupt during the read does
            CompletableFuture<Optional<QueuedMessage>> interrupted = new CompletableFuture<>();
            CompletableFuture<Boolean> stillInterrupted = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                Thread.currentThread().interrupt();
                try {
                    interrupted.complete(spool.get(first.id()));
                } catch (Throwable t) {
                    interrupted.completeExceptionally(t);
                }
                stillInterrupted.complete(Thread.currentThread().isInterrupted());
            });
            reader.start();
            reader.join();
            // the interrupted reader got its record and keeps its interrupt for whoever asked it to stop
            assertThat(interrupted.join()).map(QueuedMessage::id).contains(first.id());
            assertThat(stillInterrupted.join()).isTrue();

            for (QueuedMessage m : queued) {
                assertThat(spool.get(m.id())).isPresent();
            }
            assertThat(read(spool, queued.get(5).id())).isEqualTo(content(6, 500));
            QueuedMessage later = enqueue(spool, envelope(41), content(41, 500));
            queued.add(later);
            assertThat(spool.remove(queued.get(1).id()).toCompletableFuture().join())
                    .isTrue();
            queued.remove(1);
        }
        assertThat(dir.resolve(CleanShutdownMarker.FILE)).exists();
        try (DurableSpool spool = open()) {
            assertThat(spool.openedClean()).isTrue();
            assertThat(spool.size()).isEqualTo(queued.size());
            for (QueuedMessage m : queued) {
                assertThat(spool.get(m.id())).isPresent();
            }
        }
    }

    @Test
    void aCloseOnAnInterruptedThreadStillCommitsEverythingAndWritesTheCleanMarker() throws Exception {
        DurableSpool spool = open();
        List<QueuedMessage> queued = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            queued.add(enqueue(spool, envelope(i), content(i, 300)));
        }
        // a removal still waiting for its commit when the stop comes
        CompletableFuture<Boolean> removal = spool.remove(queued.get(0).id()).toCompletableFuture();
        CompletableFuture<Boolean> stillInterrupted = new CompletableFuture<>();
        Thread stopper = new Thread(() -> {
            Thread.currentThread().interrupt(); // as Karaf's stop may leave it
            try {
                spool.close();
                stillInterrupted.complete(Thread.currentThread().isInterrupted());
            } catch (Throwable t) {
                stillInterrupted.completeExceptionally(t);
            }
        });
        stopper.start();
        stopper.join();
        assertThat(stillInterrupted.join()).isTrue();
        assertThat(removal.join()).isTrue();
        assertThat(dir.resolve(CleanShutdownMarker.FILE)).exists();
        try (DurableSpool again = open()) {
            assertThat(again.openedClean()).isTrue();
            assertThat(again.size()).isEqualTo(19);
            for (QueuedMessage m : queued.subList(1, 20)) {
                assertThat(read(again, m.id())).isNotEmpty();
            }
        }
    }
}
