package org.karavel.spool.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.karavel.api.maillog.MailLogLine;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.api.queue.SpoolFullException;
import org.karavel.spool.internal.PendingChange.DropOrphanContent;
import org.karavel.spool.internal.PendingChange.Enqueue;
import org.karavel.spool.internal.PendingChange.Quarantine;
import org.karavel.spool.internal.PendingChange.Removal;
import org.karavel.spool.internal.PendingChange.Reschedule;
import org.karavel.spool.internal.PendingChange.Update;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single committer thread. It takes every change that is waiting (up to {@code max_batch}),
 * applies them to MapDB, fsyncs the new body files, commits once, updates the in-memory index and
 * only then completes each change's stage (on the notifier, so that callers' callbacks never hold
 * up the next commit). While a commit is under way new changes queue up for the next one: under
 * load one fsync serves many messages.
 */
final class GroupCommitter {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommitter.class);
    private static final Logger MAIL_LOG = LoggerFactory.getLogger("karavel.mail");
    private static final Object STOP = new Object();
    private static final int FSYNC_THREADS = 4;
    /**
     * How long a commit of settled deliveries alone waits for more changes: 50 ms groups a paced
     * site's deliveries (Postfix too deletes a delivered queue file without waiting for the disk).
     */
    static final Duration SETTLED_LINGER = Duration.ofMillis(50);

    /** What a change's stage completes with once the batch is settled. */
    private static final class Outcome {
        final CompletableFuture<Object> future;
        Object value;
        Throwable error;

        @SuppressWarnings("unchecked")
        Outcome(CompletableFuture<?> future, Object value, Throwable error) {
            this.future = (CompletableFuture<Object>) future;
            this.value = value;
            this.error = error;
        }

        void settle() {
            if (error != null) {
                future.completeExceptionally(error);
            } else {
                future.complete(value);
            }
        }
    }

    private final SpoolStore store;
    private final SpoolIndex index;
    private final RecentContents recent;
    private final BodyFiles bodies;
    private final QueueIdClock idClock;
    private final int maxBatch;
    private final long maxSpoolBytes;
    private final Executor notifier;
    private final Runnable messagesAdded;
    private final EmergencyReserve reserve;

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final ReadWriteLock gate = new ReentrantReadWriteLock();
    private final Thread thread;
    private final ExecutorService fsyncPool;
    private boolean closed;
    private volatile Duration settledLinger = SETTLED_LINGER;
    private volatile boolean lingering;

    GroupCommitter(
            SpoolStore store,
            SpoolIndex index,
            RecentContents recent,
            BodyFiles bodies,
            QueueIdClock idClock,
            SpoolSettings settings,
            Executor notifier,
            Runnable messagesAdded,
            EmergencyReserve reserve) {
        this.store = store;
        this.index = index;
        this.recent = recent;
        this.bodies = bodies;
        this.idClock = idClock;
        this.maxBatch = settings.maxBatch();
        this.maxSpoolBytes = settings.maxSpoolBytes();
        this.notifier = notifier;
        this.messagesAdded = messagesAdded;
        this.reserve = reserve;
        this.fsyncPool = Executors.newFixedThreadPool(FSYNC_THREADS, r -> {
            Thread t = new Thread(r, "karavel-spool-fsync");
            t.setDaemon(true);
            return t;
        });
        this.thread = new Thread(this::run, "karavel-spool-commit");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Queues a change for the next commit; after {@link #close} the change fails with "spool is stopping". */
    void submit(PendingChange change) {
        gate.readLock().lock();
        try {
            if (!closed) {
                queue.add(change);
                return;
            }
        } finally {
            gate.readLock().unlock();
        }
        discard(change);
        change.result().completeExceptionally(new IOException("spool is stopping"));
    }

    /** Refuses further changes, commits everything already queued, and waits for the thread to end. */
    boolean close(long timeout, TimeUnit unit) throws InterruptedException {
        gate.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                queue.add(STOP);
            }
        } finally {
            gate.writeLock().unlock();
        }
        thread.join(unit.toMillis(timeout));
        if (thread.isAlive()) {
            return false;
        }
        fsyncPool.shutdown();
        return true;
    }

    private void run() {
        List<PendingChange> batch = new ArrayList<>(maxBatch);
        List<Object> taken = new ArrayList<>(maxBatch);
        boolean stop = false;
        while (!stop) {
            try {
                taken.add(queue.take());
            } catch (InterruptedException ex) {
                // nobody should interrupt us; the loop ends only through close()
                continue;
            }
            queue.drainTo(taken, maxBatch - 1);
            if (settlesOnly(taken)) {
                lingerForMore(taken);
            }
            for (Object o : taken) {
                if (o == STOP) {
                    stop = true;
                } else {
                    batch.add((PendingChange) o);
                }
            }
            taken.clear();
            if (!batch.isEmpty()) {
                try {
                    commit(batch, false);
                } catch (Throwable t) {
                    // a bug rather than an I/O failure; the callers must still hear about it
                    LOG.error("spool commit failed unexpectedly", t);
                    for (PendingChange c : batch) {
                        discard(c);
                        c.result().completeExceptionally(t);
                    }
                }
                batch.clear();
            }
        }
    }

    /**
     * Whether every change taken records how a delivery ended (an update or a removal): no client is
     * waiting for it, and losing it in a crash only sends the message again, as at-least-once allows.
     */
    private static boolean settlesOnly(List<Object> taken) {
        for (Object o : taken) {
            if (!(o instanceof Update || o instanceof Removal)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Waits up to {@link #settledLinger} for more changes, so that deliveries paced one by one (a
     * shaped site) share a commit and its fsync; ends at once when a change arrives that someone waits
     * for (a new message, a flush, the stop) or the batch is full.
     */
    private void lingerForMore(List<Object> taken) {
        long deadline = System.nanoTime() + settledLinger.toNanos();
        lingering = true;
        try {
            while (taken.size() < maxBatch) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                Object o = queue.poll(left, TimeUnit.NANOSECONDS);
                if (o == null) {
                    return;
                }
                taken.add(o);
                if (!(o instanceof Update || o instanceof Removal)) {
                    queue.drainTo(taken, maxBatch - taken.size());
                    return;
                }
            }
        } catch (InterruptedException ex) {
            // nobody should interrupt us: commit what we have
        } finally {
            lingering = false;
        }
    }

    /** Sets how long a batch of settled deliveries waits for company; for tests. */
    void settledLinger(Duration linger) {
        this.settledLinger = linger;
    }

    /** Whether the committer is waiting for company for a batch of settled deliveries; for tests. */
    boolean lingering() {
        return lingering;
    }

    /** What a batch does, gathered while its changes are applied to MapDB and published once it is committed. */
    private static final class Applied {
        /** The state as this batch leaves it: a null value means removed in this batch. */
        final Map<QueueId, StoredMessage> changed = new HashMap<>();

        final List<Outcome> outcomes;
        final List<Enqueue> newBodies = new ArrayList<>();
        final List<Enqueue> newInline = new ArrayList<>();
        final List<QueueId> bodiesToDelete = new ArrayList<>();
        long bytes;
        boolean added;

        Applied(int size, long bytes) {
            this.outcomes = new ArrayList<>(size);
            this.bytes = bytes;
        }
    }

    /**
     * Commits a batch. When that fails because the file system is full, the emergency reserve is
     * released and the batch's updates, reschedules and removals are committed once more without its
     * new messages (those fail with SpoolFullException, 452 4.3.1): delivered mail must leave the
     * queue, or it would be sent again and again.
     */
    private void commit(List<PendingChange> batch, boolean retry) {
        Applied applied = new Applied(batch.size(), index.bytes());
        List<Future<?>> bodySyncs = startBodySyncs(batch);
        try {
            for (PendingChange change : batch) {
                apply(change, applied);
            }
            makeDurable(applied, bodySyncs);
        } catch (Throwable t) {
            failed(batch, retry, applied, bodySyncs, t);
            return;
        }
        publish(applied);
    }

    private void apply(PendingChange change, Applied applied) {
        if (change instanceof Enqueue e) {
            applyEnqueue(e, applied);
        } else if (change instanceof Update u) {
            applyUpdate(u, applied);
        } else if (change instanceof Reschedule r) {
            applyReschedule(r, applied);
        } else if (change instanceof Removal r) {
            applyRemoval(r, applied);
        } else if (change instanceof Quarantine q) {
            applyQuarantine(q, applied);
        } else if (change instanceof DropOrphanContent d) {
            StoredMessage current = current(applied.changed, d.id());
            boolean orphan = current == null || !current.inline();
            if (orphan) {
                store.contents().remove(d.id().value());
            }
            applied.outcomes.add(new Outcome(d.result(), orphan, null));
        }
    }

    private void applyQuarantine(Quarantine q, Applied applied) {
        StoredMessage current = current(applied.changed, q.id());
        String key = q.id().value();
        byte[] record = store.messages().get(key);
        if (current == null || record == null) {
            applied.outcomes.add(new Outcome(q.result(), false, null));
            return;
        }
        byte[] inline = current.inline() ? store.contents().remove(key) : null;
        boolean movedBody = false;
        if (!current.inline()) {
            try {
                // before the commit, as recovery does: should it fail, the next read quarantines it again
                movedBody = bodies.moveToQuarantine(key);
            } catch (IOException ex) {
                LOG.warn("{}: body file not moved to quarantine: {}", key, ex.toString());
            }
        }
        Instant now = Instant.now();
        String qkey = store.quarantine().containsKey(key) ? key + "." + now.toEpochMilli() + ".1" : key;
        store.quarantine().put(qkey, QuarantineFormat.encode(q.reason(), now, record, inline));
        store.messages().remove(key);
        applied.changed.put(q.id(), null);
        applied.bytes -= current.size();
        applied.outcomes.add(new Outcome(q.result(), true, null));
        LOG.error(
                "spool record {} quarantined: {}{}",
                key,
                q.reason(),
                movedBody ? " (body file moved to " + bodies.quarantineDirectory() + ")" : "");
        MAIL_LOG.error(MailLogLine.quarantined(key, q.reason()));
    }

    private void applyEnqueue(Enqueue e, Applied applied) {
        long size = e.stored().size();
        if (maxSpoolBytes > 0 && applied.bytes + size > maxSpoolBytes) {
            discard(e);
            applied.outcomes.add(new Outcome(
                    e.result(),
                    null,
                    new SpoolFullException(
                            "spool would hold " + (applied.bytes + size) + " bytes, limit is " + maxSpoolBytes)));
            return;
        }
        String key = e.stored().id().value();
        store.messages().put(key, MessageRecordFormat.encode(e.stored()));
        if (e.inlineContent() != null) {
            store.contents().put(key, e.inlineContent());
            applied.newInline.add(e);
        } else {
            applied.newBodies.add(e);
        }
        applied.changed.put(e.stored().id(), e.stored());
        applied.bytes += size;
        applied.added = true;
        applied.outcomes.add(new Outcome(e.result(), e.stored().message(), null));
    }

    private void applyUpdate(Update u, Applied applied) {
        StoredMessage current = current(applied.changed, u.message().id());
        if (current == null) {
            applied.outcomes.add(new Outcome(
                    u.result(),
                    null,
                    new NoSuchElementException("no message " + u.message().id() + " in the spool")));
            return;
        }
        String mismatch = recipientMismatch(current.message(), u.message());
        if (mismatch != null) {
            applied.outcomes.add(new Outcome(u.result(), null, new IllegalArgumentException(mismatch)));
            return;
        }
        QueuedMessage m = u.message();
        // envelope and size are the spool's own; a caller changes only the delivery state
        StoredMessage next = new StoredMessage(
                new QueuedMessage(
                        m.id(),
                        current.message().envelope(),
                        m.recipients(),
                        current.size(),
                        m.attempts(),
                        m.nextAttempt(),
                        m.bounced(),
                        m.delayWarned()),
                current.inline());
        store.messages().put(m.id().value(), MessageRecordFormat.encode(next));
        applied.changed.put(m.id(), next);
        applied.outcomes.add(new Outcome(u.result(), null, null));
    }

    private void applyReschedule(Reschedule r, Applied applied) {
        StoredMessage current = current(applied.changed, r.id());
        if (current == null) {
            applied.outcomes.add(new Outcome(r.result(), false, null));
            return;
        }
        QueuedMessage m = current.message();
        StoredMessage next = new StoredMessage(m.withNextAttempt(m.attempts(), r.when()), current.inline());
        store.messages().put(r.id().value(), MessageRecordFormat.encode(next));
        applied.changed.put(r.id(), next);
        applied.outcomes.add(new Outcome(r.result(), true, null));
    }

    private void applyRemoval(Removal r, Applied applied) {
        StoredMessage current = current(applied.changed, r.id());
        if (current == null) {
            applied.outcomes.add(new Outcome(r.result(), false, null));
            return;
        }
        store.messages().remove(r.id().value());
        if (current.inline()) {
            store.contents().remove(r.id().value());
        } else {
            applied.bodiesToDelete.add(r.id());
        }
        applied.changed.put(r.id(), null);
        applied.bytes -= current.size();
        applied.outcomes.add(new Outcome(r.result(), true, null));
    }

    /** Waits for the body files' fsyncs, makes their names durable, then commits MapDB (journal fsync). */
    private void makeDurable(Applied applied, List<Future<?>> bodySyncs) throws IOException, InterruptedException {
        awaitBodySyncs(bodySyncs);
        for (Enqueue e : applied.newBodies) {
            e.body().close();
        }
        if (!applied.newBodies.isEmpty()) {
            bodies.syncDirectory();
        }
        store.setIdClock(idClock.highWater());
        store.commit();
    }

    /** Committed: makes the batch visible, then tells the callers. */
    private void publish(Applied applied) {
        for (Enqueue e : applied.newInline) {
            recent.put(e.stored().id(), e.inlineContent());
        }
        for (Map.Entry<QueueId, StoredMessage> c : applied.changed.entrySet()) {
            if (c.getValue() == null) {
                recent.remove(c.getKey());
                index.remove(c.getKey());
            } else {
                index.put(c.getValue());
            }
        }
        for (QueueId id : applied.bodiesToDelete) {
            bodies.delete(id);
        }
        List<Outcome> outcomes = applied.outcomes;
        boolean notify = applied.added;
        notifier.execute(() -> {
            outcomes.forEach(Outcome::settle);
            if (notify) {
                messagesAdded.run();
            }
        });
    }

    /** Rolls a failed batch back, then retries it without its new messages or fails every change. */
    private void failed(
            List<PendingChange> batch, boolean retry, Applied applied, List<Future<?>> bodySyncs, Throwable t) {
        LOG.error("spool commit of {} changes failed", batch.size(), t);
        try {
            awaitBodySyncs(bodySyncs); // before the files are closed and deleted under them
        } catch (Throwable ignored) {
            // already failing
        }
        try {
            store.rollback();
        } catch (Throwable r) {
            LOG.error("spool rollback failed", r);
        }
        for (PendingChange c : batch) {
            discard(c);
        }
        // a full file system (e.g. the journal hit ENOSPC) is a full spool: 452 4.3.1 to the client
        IOException failure = SpoolDraft.diskFullOr(
                t instanceof IOException io ? io : new IOException("spool commit failed: " + t, t));
        if (!retry
                && failure instanceof SpoolFullException
                && !(t instanceof SpoolFullException)
                && reserve.release()) {
            commitWithoutNewMessages(batch, failure);
            return;
        }
        failAll(batch, applied.outcomes, failure);
    }

    /** After the reserve was released: refuses the batch's new messages and commits the rest again. */
    private void commitWithoutNewMessages(List<PendingChange> batch, IOException failure) {
        List<PendingChange> rest = new ArrayList<>();
        List<Outcome> refused = new ArrayList<>();
        for (PendingChange c : batch) {
            if (c instanceof Enqueue) {
                refused.add(new Outcome(c.result(), null, failure));
            } else {
                rest.add(c);
            }
        }
        notifier.execute(() -> refused.forEach(Outcome::settle));
        if (!rest.isEmpty()) {
            LOG.warn(
                    "committing the {} updates and removals of the failed batch again, without its {} new messages",
                    rest.size(),
                    refused.size());
            commit(rest, true);
        }
    }

    /** Fails every change of the batch that has no error of its own with {@code failure}. */
    private void failAll(List<PendingChange> batch, List<Outcome> outcomes, IOException failure) {
        for (Outcome o : outcomes) {
            if (o.error == null) {
                o.error = failure;
            }
        }
        // changes not reached before the failure
        Set<CompletableFuture<?>> settled = Collections.newSetFromMap(new IdentityHashMap<>());
        outcomes.forEach(o -> settled.add(o.future));
        for (PendingChange c : batch) {
            if (!settled.contains(c.result())) {
                outcomes.add(new Outcome(c.result(), null, failure));
            }
        }
        notifier.execute(() -> outcomes.forEach(Outcome::settle));
    }

    /**
     * Starts fsyncing the new body files at once, several at a time: the file system folds concurrent
     * fsyncs into one journal commit, and the MapDB changes are prepared meanwhile.
     */
    private List<Future<?>> startBodySyncs(List<PendingChange> batch) {
        List<Future<?>> syncs = new ArrayList<>();
        for (PendingChange c : batch) {
            if (c instanceof Enqueue e && e.body() != null) {
                FileChannel body = e.body();
                syncs.add(fsyncPool.submit(() -> {
                    body.force(true);
                    return null;
                }));
            }
        }
        return syncs;
    }

    private static void awaitBodySyncs(List<Future<?>> syncs) throws IOException, InterruptedException {
        IOException failure = null;
        for (Future<?> f : syncs) {
            try {
                f.get();
            } catch (ExecutionException ex) {
                if (failure == null) {
                    failure = ex.getCause() instanceof IOException io ? io : new IOException(ex.getCause());
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private StoredMessage current(Map<QueueId, StoredMessage> changed, QueueId id) {
        return changed.containsKey(id) ? changed.get(id) : index.get(id);
    }

    private static String recipientMismatch(QueuedMessage stored, QueuedMessage update) {
        List<RecipientStatus> a = stored.recipients();
        List<RecipientStatus> b = update.recipients();
        if (a.size() != b.size()) {
            return update.id() + ": update has " + b.size() + " recipients, the queued message " + a.size();
        }
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).recipient().equals(b.get(i).recipient())) {
                return update.id() + ": recipient " + i + " is " + a.get(i).recipient() + ", not "
                        + b.get(i).recipient();
            }
        }
        if (update.nextAttempt() == null || update.attempts() < 0) {
            return update.id() + ": invalid attempts or next attempt";
        }
        return null;
    }

    /** Throws away what an uncommitted enqueue left on disk. */
    private static void discard(PendingChange change) {
        if (change instanceof Enqueue e && e.body() != null) {
            try {
                e.body().close();
            } catch (IOException ignored) {
                // deleted next
            }
            try {
                Files.deleteIfExists(e.bodyFile());
            } catch (IOException ignored) {
                // an orphan body file is deleted at the next start
            }
        }
    }
}
