package org.karavel.spool.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.PendingVisitor;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuePage;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.api.queue.Spool;
import org.karavel.api.queue.SpoolFullException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool: MapDB for envelopes and small bodies, one file per large body, an in-memory index for
 * every query, and a {@link GroupCommitter} through which every change goes. Plain Java, so tests
 * construct it directly; {@link SpoolComponent} only wires configuration to it.
 */
public final class DurableSpool implements Spool, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DurableSpool.class);
    private static final Logger MAIL_LOG = LoggerFactory.getLogger("karavel.mail");

    /** A record that could not be loaded, as recovery reported it. */
    public record QuarantinedRecord(String key, String reason) {}

    private static final int FLUSH_CHUNK = 10_000;

    private final SpoolSettings settings;
    private final Clock clock;
    private final SpoolStore store;
    private final BodyFiles bodies;
    private final SpoolIndex index;
    private final RecentContents recent;
    private final QueueIdClock idClock;
    private final FileStore fileSystem;
    private final EmergencyReserve reserve;
    private final AtomicBoolean reserveRestorePending = new AtomicBoolean();
    private final ExecutorService notifier;
    private final GroupCommitter committer;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final AtomicBoolean listenerRunPending = new AtomicBoolean();
    private final Set<SpoolDraft> drafts = ConcurrentHashMap.newKeySet();
    private final List<QuarantinedRecord> quarantinedAtStart = new ArrayList<>();
    private volatile boolean stopping;
    private boolean cleanStart;
    private boolean openedFromSnapshot;
    private long recordsReadAtOpening;
    private Thread sweepThread;
    private QueueId firstIdOfRun;
    private final CountDownLatch sweepCancel = new CountDownLatch(1);
    private final CompletableFuture<OrphanSweep.Result> orphanSweep = new CompletableFuture<>();

    /** How long after opening an unclean spool its orphan sweep starts: start-up first. */
    static final long ORPHAN_SWEEP_DELAY_MILLIS = 10_000;

    private DurableSpool(
            SpoolSettings settings,
            Clock clock,
            SpoolStore store,
            BodyFiles bodies,
            long sweepDelayMillis,
            boolean fresh)
            throws IOException {
        this.settings = settings;
        this.clock = clock;
        this.store = store;
        this.bodies = bodies;
        this.index = new SpoolIndex(this::readRecord);
        this.idClock = new QueueIdClock(clock::millis);
        this.recent = new RecentContents(settings.recentContentBytes());
        this.fileSystem = Files.getFileStore(settings.directory());
        recover(fresh);
        this.reserve = new EmergencyReserve(settings.directory(), settings.emergencyReserveBytes(), fileSystem);
        reserve.open(settings.minFreeDiskBytes());
        this.notifier = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "karavel-spool-notify");
            t.setDaemon(true);
            return t;
        });
        this.committer = new GroupCommitter(
                store, index, recent, bodies, idClock, settings, notifier, this::notifyListeners, reserve);
        startOrphanSweep(sweepDelayMillis);
    }

    /** Opens the spool in {@code settings.directory()}, recovering whatever a previous run left there. */
    public static DurableSpool open(SpoolSettings settings) throws IOException {
        return open(settings, Clock.systemUTC());
    }

    public static DurableSpool open(SpoolSettings settings, Clock clock) throws IOException {
        return open(settings, clock, SpoolDisk.REAL);
    }

    /** As {@link #open(SpoolSettings, Clock)}, with body files and commit journal opened through {@code disk}. */
    static DurableSpool open(SpoolSettings settings, Clock clock, SpoolDisk disk) throws IOException {
        return open(settings, clock, disk, ORPHAN_SWEEP_DELAY_MILLIS);
    }

    /** As {@link #open(SpoolSettings, Clock, SpoolDisk)}, with the orphan sweep (after a crash) starting after {@code sweepDelayMillis}. */
    static DurableSpool open(SpoolSettings settings, Clock clock, SpoolDisk disk, long sweepDelayMillis)
            throws IOException {
        Files.createDirectories(settings.directory());
        // a spool made now has nothing to sweep: as good as a clean shutdown
        boolean fresh = !Files.exists(settings.directory().resolve(SpoolStore.DB_FILE))
                && !Files.exists(settings.directory().resolve("bodies"));
        BodyFiles bodies = new BodyFiles(settings.directory(), disk);
        SpoolStore store = SpoolStore.open(settings.directory(), disk);
        try {
            return new DurableSpool(settings, clock, store, bodies, sweepDelayMillis, fresh);
        } catch (IOException | RuntimeException ex) {
            store.close();
            throw ex;
        }
    }

    // ---- Spool ----

    @Override
    public MessageDraft create() throws IOException {
        if (stopping) {
            throw new IOException("spool is stopping");
        }
        checkRoom();
        QueueId id = idClock.next();
        SpoolDraft draft = new SpoolDraft(
                this, id, bodies.pathOf(id), settings.draftMemoryBytes(), settings.inlineThresholdBytes());
        drafts.add(draft);
        if (stopping) {
            draft.abort("spool is stopping");
            throw new IOException("spool is stopping");
        }
        return draft;
    }

    @Override
    public Optional<QueuedMessage> get(QueueId id) {
        StoredMessage s = index.get(id);
        return s == null ? Optional.empty() : Optional.of(s.message());
    }

    @Override
    public List<QueuedMessage> list() {
        return index.list();
    }

    @Override
    public List<QueuedMessage> due(Instant now, int limit) {
        return index.due(now, limit, id -> false);
    }

    @Override
    public List<QueuedMessage> due(Instant now, int limit, Predicate<QueueId> skip) {
        return index.due(now, limit, skip);
    }

    @Override
    public void setAside(QueueId id) {
        index.setAside(id);
    }

    @Override
    public void putBack(QueueId id) {
        index.putBack(id);
    }

    @Override
    public void forEachPending(PendingVisitor visitor) {
        index.forEachPending(visitor);
    }

    @Override
    public int size() {
        return index.size();
    }

    @Override
    public InputStream openContent(QueueId id) throws IOException {
        Boolean inline = index.inline(id);
        long size = index.size(id);
        if (inline == null || size < 0) {
            throw new NoSuchFileException("no message " + id + " in the spool");
        }
        return checkedContent(id, inline, size);
    }

    @Override
    public QueuePage page(QueueId after, String domainKey, int limit) {
        return index.page(after, domainKey, limit);
    }

    @Override
    public int flushPendingAt(String domainKey) {
        int count = index.countPendingAt(domainKey);
        flushFrom(index.pendingAt(domainKey), clock.instant());
        return count;
    }

    /** The body file of a draft that outgrew its memory, opened for writing. */
    FileChannel createBody(QueueId id) throws IOException {
        return bodies.create(id);
    }

    /** Octets of recently queued content held in the heap for delivery's reads. */
    long recentContentBytes() {
        return recent.bytes();
    }

    @Override
    public CompletionStage<Void> update(QueuedMessage message) {
        Objects.requireNonNull(message, "message");
        CompletableFuture<Void> result = new CompletableFuture<>();
        committer.submit(new PendingChange.Update(message, result));
        return result;
    }

    @Override
    public CompletionStage<Boolean> remove(QueueId id) {
        Objects.requireNonNull(id, "id");
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        committer.submit(new PendingChange.Removal(id, result));
        return result;
    }

    @Override
    public boolean flush(QueueId id) {
        StoredMessage s = index.get(id);
        if (s == null || s.message().isFinished()) {
            return false;
        }
        reschedule(id, clock.instant()).whenComplete((done, error) -> {
            if (error != null) {
                LOG.warn("{}: flush failed: {}", id, error.toString());
            } else if (done) {
                notifyListeners();
            }
        });
        return true;
    }

    @Override
    public int flushAll() {
        Instant now = clock.instant();
        int count = index.unfinishedCount();
        flushFrom(index.unfinishedIds(), now);
        return count;
    }

    /** Reschedules a chunk, and the next once it is committed: a million queued never wait in the heap at once. */
    private void flushFrom(Iterator<QueueId> ids, Instant now) {
        List<CompletableFuture<Boolean>> chunk = new ArrayList<>();
        while (ids.hasNext() && chunk.size() < FLUSH_CHUNK) {
            chunk.add(reschedule(ids.next(), now));
        }
        if (chunk.isEmpty()) {
            notifyListeners();
            return;
        }
        CompletableFuture.allOf(chunk.toArray(CompletableFuture[]::new)).whenComplete((done, error) -> {
            if (error != null) {
                LOG.warn("flush of the whole queue failed in part: {}", error.toString());
            }
            notifyListeners();
            if (!stopping) {
                flushFrom(ids, now);
            }
        });
    }

    @Override
    public void addListener(Runnable listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public void removeListener(Runnable listener) {
        listeners.remove(listener);
    }

    // ---- lifecycle ----

    /**
     * Stops taking drafts, aborts the open ones, commits every change already queued and closes
     * MapDB, which releases its file lock so that a new instance can open the directory at once.
     */
    @Override
    public synchronized void close() {
        if (stopping) {
            return;
        }
        stopping = true;
        for (SpoolDraft d : new ArrayList<>(drafts)) {
            d.abort("spool is stopping");
        }
        // an interrupt of the stopping thread (Karaf's bundle stop) must not cut the close short
        boolean interrupted = false;
        Thread sweep = sweepThread;
        if (sweep != null) {
            // never interrupted (that closed MapDB's channel under it): it stops at its next name
            sweepCancel.countDown();
            interrupted |= UninterruptibleWait.run(() -> sweep.join(30_000));
        }
        boolean[] committed = new boolean[1];
        interrupted |= UninterruptibleWait.run(() -> committed[0] = committer.close(60, TimeUnit.SECONDS));
        if (!committed[0]) {
            // closing MapDB under a running commit could do more harm than leaving it open
            LOG.error("spool committer did not finish within 60 s; the spool database is left open");
            UninterruptibleWait.restore(interrupted);
            return;
        }
        notifier.shutdown();
        interrupted |= UninterruptibleWait.run(() -> {
            if (!notifier.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("spool listeners still running after 10 s");
            }
        });
        boolean clean = orphansSwept();
        long token = clean ? IndexSnapshot.stamp(store) : 0;
        store.close();
        if (clean) {
            IndexSnapshot.writeOrForget(settings.directory(), token, index);
            try {
                CleanShutdownMarker.write(settings.directory());
            } catch (IOException ex) {
                LOG.warn("spool: clean shutdown not recorded ({}); the next start sweeps for orphans", ex.toString());
            }
        } else {
            LOG.info("spool: the orphan sweep after the last unclean stop did not finish; the next start makes it");
        }
        LOG.info("spool closed: {} messages, {} bytes in {}", index.size(), index.bytes(), settings.directory());
        UninterruptibleWait.restore(interrupted);
    }

    // ---- used by drafts ----

    CompletionStage<QueuedMessage> enqueue(
            SpoolDraft draft, Envelope envelope, byte[] inline, FileChannel body, long size) {
        drafts.remove(draft);
        List<RecipientStatus> statuses =
                envelope.recipients().stream().map(RecipientStatus::pending).toList();
        QueuedMessage message = new QueuedMessage(draft.id(), envelope, statuses, size, 0, clock.instant(), false);
        CompletableFuture<QueuedMessage> result = new CompletableFuture<>();
        committer.submit(new PendingChange.Enqueue(
                new StoredMessage(message, inline != null), inline, body, bodies.pathOf(draft.id()), result));
        return result;
    }

    void forget(SpoolDraft draft) {
        drafts.remove(draft);
    }

    // ---- for tests and the shell ----

    /** How many MapDB commits were made since the spool opened. */
    long commitCount() {
        return store.commitCount();
    }

    GroupCommitter committer() {
        return committer;
    }

    /** Records quarantined while this instance opened. */
    public List<QuarantinedRecord> quarantinedAtStart() {
        return List.copyOf(quarantinedAtStart);
    }

    /** How many records the quarantine map holds (from this and earlier starts). */
    public int quarantineSize() {
        return store.quarantine().size();
    }

    /** Content octets of every queued message. */
    public long bytes() {
        return index.bytes();
    }

    /** Whether the spool takes messages (false once closing began). */
    public boolean isOpen() {
        return !stopping;
    }

    /** The queue's figures for {@code GET /metrics}, from the in-memory index (never touches disk). */
    public List<org.karavel.api.metrics.Metric> metrics() {
        return SpoolMetrics.of(
                index.size(),
                index.bytes(),
                index.oldestReceived(),
                clock.instant(),
                store.commitCount(),
                stopping ? 0 : store.quarantine().size(),
                reserve.isReleased());
    }

    /** Whether the emergency reserve was released (the file system was full) and new mail is refused until it is back. */
    public boolean emergencyReserveReleased() {
        return reserve.isReleased();
    }

    Path bodyFileOf(QueueId id) {
        return bodies.pathOf(id);
    }

    boolean isInline(QueueId id) {
        return Boolean.TRUE.equals(index.inline(id));
    }

    /** What the orphan sweep of this opening did, once it is done (at once after a clean shutdown). */
    CompletableFuture<OrphanSweep.Result> orphanSweep() {
        return orphanSweep;
    }

    /** Whether the previous run closed cleanly (so no orphan sweep runs). */
    boolean openedClean() {
        return cleanStart;
    }

    /** Whether opening built the index from the snapshot of the last clean close, reading no record. */
    boolean openedFromSnapshot() {
        return openedFromSnapshot;
    }

    /** Records the opening read to build the index (0 when it used the snapshot). */
    long recordsReadAtOpening() {
        return recordsReadAtOpening;
    }

    /** The spool's in-memory index, for tests that count what a scan reads. */
    SpoolIndex index() {
        return index;
    }

    /** A message's record as the store holds it now; null when it is not there or cannot be read. */
    private StoredMessage readRecord(String key) {
        byte[] record = store.messages().get(key);
        if (record == null) {
            return null;
        }
        try {
            return MessageRecordFormat.decode(key, record);
        } catch (CorruptRecordException ex) {
            // recovery checked every record at start, and the committer writes only what it encoded
            LOG.error("spool record {} cannot be read: {}", key, ex.getMessage());
            return null;
        }
    }

    // ---- internals ----

    private CompletableFuture<Boolean> reschedule(QueueId id, Instant when) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        committer.submit(new PendingChange.Reschedule(id, when, result));
        return result;
    }

    private void checkRoom() throws IOException {
        long max = settings.maxSpoolBytes();
        if (max > 0 && index.bytes() >= max) {
            throw new SpoolFullException("spool holds " + index.bytes() + " bytes, limit is " + max);
        }
        long free = fileSystem.getUsableSpace();
        if (reserve.isReleased()) {
            long needed = reserve.neededToTakeMail(settings.minFreeDiskBytes());
            if (free >= needed) {
                restoreReserveLater();
            }
            throw new SpoolFullException("the spool's file system was full and its emergency reserve is released: "
                    + free + " bytes free on the spool's file system, " + needed + " required to take mail again");
        }
        if (free < settings.minFreeDiskBytes()) {
            throw new SpoolFullException("only " + free + " bytes free on the spool's file system, "
                    + settings.minFreeDiskBytes() + " required");
        }
    }

    /** Makes the reserve again off the caller's (network) thread: it writes and fsyncs the whole file. */
    private void restoreReserveLater() {
        if (!reserveRestorePending.compareAndSet(false, true)) {
            return;
        }
        try {
            notifier.execute(() -> {
                try {
                    reserve.restore(settings.minFreeDiskBytes());
                } finally {
                    reserveRestorePending.set(false);
                }
            });
        } catch (RejectedExecutionException ex) {
            reserveRestorePending.set(false);
        }
    }

    /** Runs the listeners once on the notifier thread; calls that arrive meanwhile share one later run. */
    private void notifyListeners() {
        if (listeners.isEmpty() || !listenerRunPending.compareAndSet(false, true)) {
            return;
        }
        try {
            notifier.execute(() -> {
                listenerRunPending.set(false);
                for (Runnable l : listeners) {
                    try {
                        l.run();
                    } catch (RuntimeException ex) {
                        LOG.error("spool listener {} failed", l, ex);
                    }
                }
            });
        } catch (RejectedExecutionException ex) {
            listenerRunPending.set(false);
        }
    }

    /**
     * Builds the index from every record's index fields, one at a time (only the index's compact
     * entries stay in the heap; no content is read). Unreadable records go to quarantine (with
     * their body file). Whether each content is whole is checked when it is read
     * ({@link #openContent}); orphan contents are swept in the background, only after a crash.
     */
    private void recover(boolean fresh) throws IOException {
        long started = System.nanoTime();
        Path dir = settings.directory();
        boolean marker = Files.exists(dir.resolve(CleanShutdownMarker.FILE));
        long token = store.snapshotToken();
        StringBuilder why = new StringBuilder();
        IndexSnapshot.Loaded snapshot = marker && token != 0 ? IndexSnapshot.read(dir, token, index, why) : null;
        IndexSnapshot.delete(dir);
        // syncs the directory: the marker's and the snapshot's removals are durable before any commit of this run
        cleanStart = CleanShutdownMarker.take(dir) || fresh;
        if (token != 0) {
            store.setSnapshotToken(0);
            store.commit();
        }
        List<RecordScan.Bad> bad = List.of();
        if (snapshot != null) {
            index.load(snapshot.entries());
            openedFromSnapshot = true;
        } else {
            if (marker) {
                LOG.info("spool: index snapshot not used ({}); reading every record", token == 0 ? "none made" : why);
            }
            RecordScan.Result scan = RecordScan.run(store, index);
            index.load(scan.entries());
            bad = scan.bad();
            recordsReadAtOpening = scan.recordsRead();
        }
        snapshot = null;
        quarantinedAtStart.addAll(RecordScan.quarantine(bad, store, bodies, clock.instant()));
        idClock.resumeAfter(store.idClock());
        // every id this run issues sorts after this one: nothing queued from now on is an orphan sweep's candidate
        firstIdOfRun = idClock.next();
        LOG.info(
                "spool opened in {} in {} ms{}: {} messages ({} bytes), {} quarantined, {}",
                settings.directory(),
                (System.nanoTime() - started) / 1_000_000,
                openedFromSnapshot ? " from its index snapshot" : "",
                index.size(),
                index.bytes(),
                bad.size(),
                cleanStart ? "clean shutdown before" : "unclean stop before: orphan sweep in the background");
    }

    private OrphanSweep newSweep() {
        return new OrphanSweep(store, bodies, index, committer::submit, firstIdOfRun, () -> stopping);
    }

    /** Sweeps for orphans now, on the caller's thread: for tests. */
    OrphanSweep.Result sweepOrphans() throws Exception {
        return newSweep().run();
    }

    /** After an unclean stop, sweeps orphan contents on a thread of its own once {@code delayMillis} passed. */
    private void startOrphanSweep(long delayMillis) {
        if (cleanStart) {
            orphanSweep.complete(OrphanSweep.Result.SKIPPED);
            return;
        }
        OrphanSweep sweep = newSweep();
        Thread t = new Thread(
                () -> {
                    try {
                        if (sweepCancel.await(delayMillis, TimeUnit.MILLISECONDS)) {
                            orphanSweep.complete(OrphanSweep.Result.SKIPPED);
                            return;
                        }
                        orphanSweep.complete(sweep.run());
                    } catch (InterruptedException ex) {
                        orphanSweep.completeExceptionally(ex);
                    } catch (Exception ex) {
                        if (!stopping) {
                            LOG.warn(
                                    "spool: orphan sweep failed (made again after the next unclean stop): {}",
                                    ex.toString());
                        }
                        orphanSweep.completeExceptionally(ex);
                    }
                },
                "karavel-spool-orphan-sweep");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        sweepThread = t;
        t.start();
    }

    /**
     * Opens a message's content after checking its length against the record's (what opening
     * the spool did for every message before): a content cut short by a crash or a damaged disk
     * moves the message to the quarantine, as recovery did, and fails the read.
     */
    private InputStream checkedContent(QueueId id, Boolean inline, long size) throws IOException {
        if (inline) {
            byte[] content = recent.get(id);
            if (content == null) {
                content = store.contents().get(id.value());
            }
            if (content == null) {
                throw index.contains(id)
                        ? corrupt(id, "inline content missing")
                        : new NoSuchFileException("content of " + id + " is gone (removed meanwhile?)");
            }
            if (content.length != size) {
                throw corrupt(id, "inline content has " + content.length + " bytes, record says " + size);
            }
            return new ByteArrayInputStream(content);
        }
        Path file = bodies.pathOf(id);
        InputStream in;
        long length;
        try {
            in = Files.newInputStream(file);
        } catch (NoSuchFileException ex) {
            throw index.contains(id) ? corrupt(id, "body file " + file + " missing") : ex;
        }
        try {
            length = Files.size(file);
        } catch (IOException ex) {
            in.close();
            throw ex;
        }
        if (length != size) {
            in.close();
            throw corrupt(id, "body file " + file + " has " + length + " bytes, record says " + size);
        }
        return in;
    }

    /** Whether no orphan of an earlier crash can be left: a clean start, or a sweep that finished. */
    private boolean orphansSwept() {
        if (cleanStart) {
            return true;
        }
        if (!orphanSweep.isDone() || orphanSweep.isCompletedExceptionally()) {
            return false;
        }
        return orphanSweep.join().ran();
    }

    /** Quarantines the message (through the committer) and returns the error its reader gets. */
    private CorruptRecordException corrupt(QueueId id, String reason) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        committer.submit(new PendingChange.Quarantine(id, reason, done));
        done.whenComplete((moved, error) -> {
            if (error != null) {
                LOG.warn("{}: quarantine failed: {}", id, error.toString());
            }
        });
        return new CorruptRecordException(id + ": " + reason + "; the message goes to the quarantine");
    }
}
