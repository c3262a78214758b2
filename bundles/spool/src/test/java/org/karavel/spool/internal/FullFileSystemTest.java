package org.karavel.spool.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;
import static org.karavel.spool.internal.TestMessages.content;
import static org.karavel.spool.internal.TestMessages.enqueue;
import static org.karavel.spool.internal.TestMessages.envelope;
import static org.karavel.spool.internal.TestMessages.read;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.SpoolFullException;
import org.karavel.testkit.FileSystemFiller;

/**
 * The spool on a real file system that another program fills to the last byte: a 24 MB tmpfs this
 * test mounts (the tests run as root on the project machine and in its CI; without root the test
 * fails, it does not skip). Delivered mail must still leave the queue, or it is sent again and again.
 */
class FullFileSystemTest {
    private static final long MIN_FREE = 1L << 20;
    private static final long RESERVE = 2L << 20;
    /** Inline up to this size, so that a large message still held in a draft needs new space in the store and journal. */
    private static final int INLINE = 2 << 20;

    @TempDir
    Path dir;

    private Path mount;
    private boolean mounted;
    private DurableSpool spool;

    @BeforeEach
    void mountTmpfs() throws Exception {
        mount = dir.resolve("tmpfs");
        Files.createDirectories(mount);
        String out = run("mount", "-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs", mount.toString());
        if (out != null) {
            fail("this test mounts a 24 MB tmpfs and needs root for it (as the tests have on the project machine): "
                    + out);
        }
        mounted = true;
    }

    @AfterEach
    void unmountTmpfs() throws Exception {
        if (spool != null) {
            spool.close();
        }
        if (mounted) {
            String out = run("umount", mount.toString());
            if (out != null) {
                run("umount", "-l", mount.toString());
                fail("could not unmount " + mount + ": " + out);
            }
        }
    }

    @Test
    void removalsCommitOnAFileSystemFullToTheLastByteAndMailIsTakenAgainWhenSpaceReturns() throws Exception {
        Path spoolDir = mount.resolve("spool");
        spool = DurableSpool.open(SpoolSettings.defaults(spoolDir)
                .withMinFreeDisk(MIN_FREE)
                .withEmergencyReserve(RESERVE)
                .withDraftMemory(INLINE)
                .withInlineThreshold(INLINE));
        assertThat(Files.size(spoolDir.resolve(EmergencyReserve.FILE))).isEqualTo(RESERVE);
        assertThat(spool.emergencyReserveReleased()).isFalse();
        List<QueuedMessage> queued = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            queued.add(enqueue(spool, envelope(i), content(i, 20_000)));
        }
        // a large message still arriving while the file system fills up
        MessageDraft late = spool.create();
        late.write(content(99, 1_500_000));

        FileSystemFiller filler = FileSystemFiller.fill(mount.resolve("filler"));
        assertThat(mount.toFile().getUsableSpace())
                .as("free after writing %d bytes of filler", filler.filled())
                .isZero();

        // delivery is done with every queued message while the large one is committed: mostly in one batch
        // (the first removal's commit holds the rest back), so the batch's removals are committed again
        // without it; in whatever batches they fall, the outcome is the same
        List<CompletableFuture<Boolean>> removals = new ArrayList<>();
        for (QueuedMessage m : queued) {
            removals.add(spool.remove(m.id()).toCompletableFuture());
        }
        CompletableFuture<QueuedMessage> lateCommit = late.commit(envelope(99)).toCompletableFuture();
        assertThatThrownBy(lateCommit::join)
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(SpoolFullException.class);
        for (CompletableFuture<Boolean> r : removals) {
            assertThat(r.get(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(spool.size()).isZero();
        assertThat(spool.emergencyReserveReleased()).isTrue();
        assertThat(spoolDir.resolve(EmergencyReserve.FILE)).doesNotExist();
        assertThat(gauge("karavel_spool_emergency_reserve_released")).isEqualTo(1.0);
        assertThatThrownBy(spool::create)
                .isInstanceOf(SpoolFullException.class)
                .hasMessageContaining("emergency reserve");

        // the removals are durable: a reopen (still full) finds none of them
        spool.close();
        spool = DurableSpool.open(SpoolSettings.defaults(spoolDir)
                .withMinFreeDisk(MIN_FREE)
                .withEmergencyReserve(RESERVE)
                .withDraftMemory(INLINE)
                .withInlineThreshold(INLINE));
        assertThat(spool.size()).isZero();
        assertThat(spool.quarantineSize()).isZero();
        assertThat(spool.emergencyReserveReleased()).isTrue();
        assertThatThrownBy(spool::create).isInstanceOf(SpoolFullException.class);

        // the other program gives its space back: the reserve is made again, then mail is taken
        filler.free();
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .until(this::draftAccepted);
        assertThat(spool.emergencyReserveReleased()).isFalse();
        assertThat(Files.size(spoolDir.resolve(EmergencyReserve.FILE))).isEqualTo(RESERVE);
        assertThat(gauge("karavel_spool_emergency_reserve_released")).isZero();
        QueuedMessage after = enqueue(spool, envelope(100), content(100, 1_500_000));
        assertThat(read(spool, after.id())).isEqualTo(content(100, 1_500_000));
    }

    private boolean draftAccepted() throws IOException {
        try {
            spool.create().abort();
            return true;
        } catch (SpoolFullException ex) {
            return false;
        }
    }

    private double gauge(String name) {
        return spool.metrics().stream()
                .filter(m -> m.name().equals(name))
                .findFirst()
                .orElseThrow()
                .samples()
                .get(0)
                .value();
    }

    /** Runs a command; null when it succeeded, else its exit status and output. */
    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return "timed out: " + String.join(" ", cmd);
        }
        return p.exitValue() == 0 ? null : "exit " + p.exitValue() + " of " + String.join(" ", cmd) + ": " + out;
    }
}
