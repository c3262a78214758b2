package org.karavel.spool.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.karavel.api.queue.QueueId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After a crash, deletes the inline contents and body files no message references (what a crash
 * between writing a body and its commit leaves behind). It runs in the background once the spool
 * is open, so it touches only names older than {@code boundary}, the first queue id of this run:
 * a draft's body file or a message queued meanwhile is never a candidate. Inline contents are
 * dropped through the committer, which checks again that no message references them.
 */
final class OrphanSweep {
    private static final Logger LOG = LoggerFactory.getLogger(OrphanSweep.class);

    /** What a sweep did; {@code ran} is false when it did not run to its end (or a clean shutdown made it needless). */
    record Result(boolean ran, long examined, int contentsDeleted, int filesDeleted) {
        static final Result SKIPPED = new Result(false, 0, 0, 0);
    }

    private final SpoolStore store;
    private final BodyFiles bodies;
    private final SpoolIndex index;
    private final Consumer<PendingChange> committer;
    private final String boundary;
    private final BooleanSupplier stopping;

    OrphanSweep(
            SpoolStore store,
            BodyFiles bodies,
            SpoolIndex index,
            Consumer<PendingChange> committer,
            QueueId boundary,
            BooleanSupplier stopping) {
        this.store = store;
        this.bodies = bodies;
        this.index = index;
        this.committer = committer;
        this.boundary = boundary.value();
        this.stopping = stopping;
    }

    Result run() throws IOException, InterruptedException, ExecutionException {
        long started = System.nanoTime();
        long examined = 0;
        List<CompletableFuture<Boolean>> drops = new ArrayList<>();
        for (String key : store.contents().keySet()) {
            if (stopping.getAsBoolean()) {
                return new Result(false, examined, 0, 0); // not finished: the next start sweeps again
            }
            examined++;
            QueueId id = idOf(key);
            if (candidate(key) && id != null && !Boolean.TRUE.equals(index.inline(id))) {
                CompletableFuture<Boolean> dropped = new CompletableFuture<>();
                committer.accept(new PendingChange.DropOrphanContent(id, dropped));
                drops.add(dropped);
            }
        }
        int contents = 0;
        for (CompletableFuture<Boolean> d : drops) {
            if (d.get()) {
                contents++;
            }
        }
        int files = 0;
        for (Path file : bodies.list()) {
            if (stopping.getAsBoolean()) {
                return new Result(false, examined, contents, files);
            }
            examined++;
            String name = file.getFileName().toString();
            QueueId id = idOf(name);
            if (candidate(name) && (id == null || !Boolean.FALSE.equals(index.inline(id)))) {
                Files.deleteIfExists(file);
                files++;
                LOG.warn("spool: deleted orphan body file {} (never committed, e.g. cut short by a crash)", file);
            }
        }
        LOG.info(
                "spool: orphan sweep after an unclean stop looked at {} contents and body files in {} ms: "
                        + "{} inline contents and {} body files deleted",
                examined,
                (System.nanoTime() - started) / 1_000_000,
                contents,
                files);
        return new Result(true, examined, contents, files);
    }

    /** Names this run's drafts and messages cannot have: older ids, and names no id of ours has. */
    private boolean candidate(String name) {
        return !QueueIdClock.issuedShape(name) || name.compareTo(boundary) < 0;
    }

    private static QueueId idOf(String key) {
        try {
            return new QueueId(key);
        } catch (IllegalArgumentException notAnId) {
            return null;
        }
    }
}
