package org.karavel.testkit;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.api.queue.Spool;
import org.karavel.api.queue.SpoolFullException;

/**
 * The whole {@link Spool} contract in memory, for unit tests of the bundles that queue or read mail:
 * no disk, and a message is "durable" once its commit completes. Queue ids are {@code T000001},
 * {@code T000002}, ... in the order drafts are created. {@code list} and {@code due} go oldest first
 * (received time, then arrival in this spool); flushing and commits make the spool's clock the next
 * attempt time; listeners run on a spool thread. A few hooks let a test make the spool full, make
 * commits fail or wait, and see what was queued, aborted, flushed, updated and removed.
 */
public class MemorySpool implements Spool, AutoCloseable {
    /** A message as queued, with its content (CRLF line ends). */
    public record Queued(QueuedMessage message, byte[] content) {
        public Envelope envelope() {
            return message.envelope();
        }

        public String text() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    private final Clock clock;
    private final AtomicInteger sequence = new AtomicInteger();
    /** In order of arrival; guarded by this. */
    private final Map<QueueId, Queued> messages = new LinkedHashMap<>();

    private final List<Queued> committed = new CopyOnWriteArrayList<>();
    private final List<QueueId> open = new CopyOnWriteArrayList<>();
    private final List<QueueId> aborted = new CopyOnWriteArrayList<>();
    private final List<QueueId> flushed = new CopyOnWriteArrayList<>();
    private final List<QueueId> removed = new CopyOnWriteArrayList<>();
    private final AtomicInteger commitsStarted = new AtomicInteger();
    private final AtomicInteger updates = new AtomicInteger();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean full;
    private volatile IOException commitFailure;
    private volatile CompletableFuture<Void> commitGate = CompletableFuture.completedFuture(null);
    private volatile boolean commitOnSpoolThread;
    /** Started only when needed (spool-thread commits, a listener), so that a fuzzed session starts none; guarded by this. */
    private ExecutorService committer;

    private ExecutorService notifier;
    private boolean closed;

    /** A spool on the system clock. */
    public MemorySpool() {
        this(Clock.systemUTC());
    }

    /** A spool whose "now" (next attempt of new and flushed messages) comes from {@code clock}. */
    public MemorySpool(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    // ---- test hooks ----

    /** Commits complete on a spool thread, as the real group commit does, instead of the committing thread. */
    public MemorySpool commitOnSpoolThread() {
        commitOnSpoolThread = true;
        try {
            committer(); // started now, not on the first commit, so that no commit waits for a thread to start
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return this;
    }

    /** While full, {@link #create()} throws {@link SpoolFullException}, as a spool out of room does. */
    public void full(boolean isFull) {
        full = isFull;
    }

    /**
     * Every commit from now fails with {@code cause} (a {@link SpoolFullException} for a disk that fills
     * up during DATA), as a failed write or fsync does; null makes commits succeed again.
     */
    public void failCommits(IOException cause) {
        commitFailure = cause;
    }

    /** Commits wait (on a spool thread) until {@link #releaseCommits()}, to see what happens before "250 queued". */
    public void holdCommits() {
        commitGate = new CompletableFuture<>();
    }

    /** Lets held commits (and later ones) complete. */
    public void releaseCommits() {
        commitGate.complete(null);
    }

    /** How many commits were asked for, held or failed ones included: shows a commit has begun. */
    public int commitsStarted() {
        return commitsStarted.get();
    }

    /**
     * Queues a message as a receiving bundle does (create, write, commit) and waits for the commit: for
     * tests that need mail in the queue.
     */
    public QueuedMessage queue(Envelope envelope, String content) {
        try (MessageDraft d = create()) {
            d.write(content.getBytes(StandardCharsets.UTF_8));
            return d.commit(envelope).toCompletableFuture().join();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Puts a message state straight into the queue, as if received and tried earlier, keeping its content
     * if it is queued already (else the content is empty); no listener is told.
     */
    public synchronized void put(QueuedMessage message) {
        Queued before = messages.get(message.id());
        messages.put(message.id(), new Queued(message, before == null ? new byte[0] : before.content()));
    }

    /** The content of a queued message, to check what a bundle queued. */
    public synchronized byte[] content(QueueId id) {
        Queued q = messages.get(id);
        if (q == null) {
            throw new IllegalArgumentException("no message " + id + " in the spool");
        }
        return q.content();
    }

    /** The messages in the queue now, with their content, oldest first. */
    public synchronized List<Queued> queued() {
        List<Queued> all = new ArrayList<>(messages.values());
        all.sort(Comparator.comparing(q -> q.message().envelope().receivedAt()));
        return all;
    }

    /** The one message in the queue; fails the test when there is not exactly one. */
    public Queued only() {
        List<Queued> all = queued();
        if (all.size() != 1) {
            throw new AssertionError("expected one message in the spool, found " + all.size());
        }
        return all.get(0);
    }

    /** Every message committed so far, as committed, in order, removed since or not (bounces that left already). */
    public List<Queued> committed() {
        return List.copyOf(committed);
    }

    /** Drafts neither committed nor aborted yet: a session must leave none behind. */
    public List<QueueId> open() {
        return List.copyOf(open);
    }

    /** Drafts aborted (before any commit), in order. */
    public List<QueueId> aborted() {
        return List.copyOf(aborted);
    }

    /** Every successful flush of one message, in order (flushAll adds each message it flushed). */
    public List<QueueId> flushed() {
        return List.copyOf(flushed);
    }

    /** Messages removed, in order. */
    public List<QueueId> removed() {
        return List.copyOf(removed);
    }

    /** How many updates were asked for: shows whether a state change was written. */
    public int updates() {
        return updates.get();
    }

    /** Stops the spool's threads; held commits never complete. */
    @Override
    public void close() {
        List<ExecutorService> threads = new ArrayList<>();
        synchronized (this) {
            closed = true;
            if (committer != null) {
                threads.add(committer);
            }
            if (notifier != null) {
                threads.add(notifier);
            }
        }
        threads.forEach(ExecutorService::shutdownNow);
    }

    // ---- the Spool contract ----

    @Override
    public MessageDraft create() throws IOException {
        if (full) {
            throw new SpoolFullException("test spool is full");
        }
        Draft d = new Draft(new QueueId(String.format("T%06X", sequence.incrementAndGet())));
        open.add(d.id);
        return d;
    }

    @Override
    public synchronized Optional<QueuedMessage> get(QueueId id) {
        Queued q = messages.get(id);
        return q == null ? Optional.empty() : Optional.of(q.message());
    }

    @Override
    public List<QueuedMessage> list() {
        return queued().stream().map(Queued::message).toList();
    }

    @Override
    public List<QueuedMessage> due(Instant now, int limit) {
        return list().stream()
                .filter(m -> !m.isFinished() && !m.nextAttempt().isAfter(now))
                .limit(limit)
                .toList();
    }

    @Override
    public synchronized int size() {
        return messages.size();
    }

    @Override
    public synchronized InputStream openContent(QueueId id) throws IOException {
        Queued q = messages.get(id);
        if (q == null) {
            throw new NoSuchFileException("no message " + id + " in the spool");
        }
        return new ByteArrayInputStream(q.content());
    }

    @Override
    public CompletionStage<Void> update(QueuedMessage message) {
        Objects.requireNonNull(message, "message");
        synchronized (this) {
            messages.computeIfPresent(message.id(), (id, q) -> new Queued(message, q.content()));
        }
        updates.incrementAndGet();
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Boolean> remove(QueueId id) {
        boolean was;
        synchronized (this) {
            was = messages.remove(id) != null;
        }
        if (was) {
            removed.add(id);
        }
        return CompletableFuture.completedFuture(was);
    }

    @Override
    public boolean flush(QueueId id) {
        if (!makeDue(id)) {
            return false;
        }
        notifyListeners();
        return true;
    }

    @Override
    public int flushAll() {
        List<QueueId> ids;
        synchronized (this) {
            ids = List.copyOf(messages.keySet());
        }
        int n = 0;
        for (QueueId id : ids) {
            if (makeDue(id)) {
                n++;
            }
        }
        notifyListeners();
        return n;
    }

    @Override
    public void addListener(Runnable listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        synchronized (this) {
            // started with the first listener, not on the first notice, so that no commit or flush waits for it
            if (notifier == null && !closed) {
                notifier = daemonThread("memory-spool-notifier");
            }
        }
    }

    @Override
    public void removeListener(Runnable listener) {
        listeners.remove(listener);
    }

    // ---- inside ----

    /** Unfinished messages only, as the real spool: a finished one is about to leave. */
    private boolean makeDue(QueueId id) {
        synchronized (this) {
            Queued q = messages.get(id);
            if (q == null || q.message().isFinished()) {
                return false;
            }
            QueuedMessage m = q.message();
            messages.put(id, new Queued(m.withNextAttempt(m.attempts(), clock.instant()), q.content()));
        }
        flushed.add(id);
        return true;
    }

    private QueuedMessage store(QueueId id, Envelope envelope, byte[] content) {
        List<RecipientStatus> pending =
                envelope.recipients().stream().map(RecipientStatus::pending).toList();
        QueuedMessage m = new QueuedMessage(id, envelope, pending, content.length, 0, clock.instant(), false);
        Queued q = new Queued(m, content);
        synchronized (this) {
            messages.put(id, q);
        }
        committed.add(q);
        notifyListeners();
        return m;
    }

    private void notifyListeners() {
        if (listeners.isEmpty()) {
            return;
        }
        ExecutorService n;
        synchronized (this) {
            if (closed || notifier == null) {
                return;
            }
            n = notifier;
        }
        n.execute(() -> listeners.forEach(Runnable::run));
    }

    private synchronized ExecutorService committer() throws IOException {
        if (closed) {
            throw new IOException("the spool is closed");
        }
        if (committer == null) {
            committer = daemonThread("memory-spool-commit");
        }
        return committer;
    }

    private static ExecutorService daemonThread(String name) {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    private final class Draft implements MessageDraft {
        private final QueueId id;
        private final ByteArrayOutputStream content = new ByteArrayOutputStream();
        private boolean committedFlag;
        private boolean abortedFlag;

        Draft(QueueId id) {
            this.id = id;
        }

        @Override
        public QueueId id() {
            return id;
        }

        @Override
        public synchronized void write(byte[] data, int offset, int length) throws IOException {
            if (committedFlag || abortedFlag) {
                throw new IOException("draft " + id + " is closed");
            }
            content.write(data, offset, length);
        }

        @Override
        public synchronized long size() {
            return content.size();
        }

        @Override
        public CompletionStage<QueuedMessage> commit(Envelope envelope) {
            Objects.requireNonNull(envelope, "envelope");
            byte[] bytes;
            synchronized (this) {
                if (committedFlag || abortedFlag) {
                    return CompletableFuture.failedFuture(new IOException("draft " + id + " is closed"));
                }
                committedFlag = true;
                bytes = content.toByteArray();
            }
            open.remove(id);
            commitsStarted.incrementAndGet();
            CompletableFuture<Void> gate = commitGate;
            if (!commitOnSpoolThread && gate.isDone()) {
                IOException failure = commitFailure;
                return failure != null
                        ? CompletableFuture.failedFuture(failure)
                        : CompletableFuture.completedFuture(store(id, envelope, bytes));
            }
            try {
                return CompletableFuture.supplyAsync(
                        () -> {
                            gate.join();
                            IOException failure = commitFailure;
                            if (failure != null) {
                                throw new CompletionException(failure);
                            }
                            return store(id, envelope, bytes);
                        },
                        committer());
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public void abort() {
            synchronized (this) {
                if (committedFlag || abortedFlag) {
                    return;
                }
                abortedFlag = true;
            }
            open.remove(id);
            aborted.add(id);
        }
    }
}
