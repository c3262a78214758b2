package org.karavel.smtp.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
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
 * A spool that keeps messages in memory. Commits complete on another thread (as the real
 * spool's group commit does), after {@link #commitGate} completes, so tests can hold them.
 */
final class MemorySpool implements Spool {
    enum CommitOutcome { OK, FAIL, FULL }

    record Stored(QueuedMessage message, byte[] content) {
        String text() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    final Map<QueueId, Stored> messages = new ConcurrentHashMap<>();
    final List<QueueId> aborted = new CopyOnWriteArrayList<>();
    final AtomicInteger commitsStarted = new AtomicInteger();
    volatile CommitOutcome outcome = CommitOutcome.OK;
    volatile boolean fullAtCreate;
    volatile CompletableFuture<Void> commitGate = CompletableFuture.completedFuture(null);
    private final ExecutorService committer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "memory-spool-commit");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger sequence = new AtomicInteger();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    List<Stored> stored() {
        List<Stored> all = new ArrayList<>(messages.values());
        all.sort(Comparator.comparing(s -> s.message().id()));
        return all;
    }

    Stored only() {
        List<Stored> all = stored();
        if (all.size() != 1) {
            throw new AssertionError("expected one message, found " + all.size());
        }
        return all.get(0);
    }

    void close() {
        committer.shutdownNow();
    }

    @Override
    public MessageDraft create() throws IOException {
        if (fullAtCreate) {
            throw new SpoolFullException("test spool is full");
        }
        return new Draft(new QueueId(String.format("T%06X", sequence.incrementAndGet())));
    }

    @Override
    public Optional<QueuedMessage> get(QueueId id) {
        Stored s = messages.get(id);
        return s == null ? Optional.empty() : Optional.of(s.message());
    }

    @Override
    public List<QueuedMessage> list() {
        return stored().stream().map(Stored::message).toList();
    }

    @Override
    public List<QueuedMessage> due(Instant now, int limit) {
        return list().stream().filter(m -> !m.nextAttempt().isAfter(now) && !m.isFinished()).limit(limit).toList();
    }

    @Override
    public int size() {
        return messages.size();
    }

    @Override
    public InputStream openContent(QueueId id) throws IOException {
        Stored s = messages.get(id);
        if (s == null) {
            throw new IOException("no message " + id);
        }
        return new ByteArrayInputStream(s.content());
    }

    @Override
    public CompletionStage<Void> update(QueuedMessage message) {
        messages.computeIfPresent(message.id(), (k, v) -> new Stored(message, v.content()));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Boolean> remove(QueueId id) {
        return CompletableFuture.completedFuture(messages.remove(id) != null);
    }

    @Override
    public boolean flush(QueueId id) {
        return messages.containsKey(id);
    }

    @Override
    public int flushAll() {
        listeners.forEach(Runnable::run);
        return messages.size();
    }

    @Override
    public void addListener(Runnable listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(Runnable listener) {
        listeners.remove(listener);
    }

    private final class Draft implements MessageDraft {
        private final QueueId id;
        private final ByteArrayOutputStream content = new ByteArrayOutputStream();
        private volatile boolean committed;
        private volatile boolean abortedFlag;

        Draft(QueueId id) {
            this.id = id;
        }

        @Override
        public QueueId id() {
            return id;
        }

        @Override
        public synchronized void write(byte[] data, int offset, int length) throws IOException {
            if (committed || abortedFlag) {
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
            if (abortedFlag) {
                return CompletableFuture.failedFuture(new IOException("draft " + id + " was aborted"));
            }
            committed = true;
            commitsStarted.incrementAndGet();
            CompletableFuture<Void> gate = commitGate;
            return CompletableFuture.supplyAsync(() -> {
                gate.join();
                switch (outcome) {
                    case FAIL:
                        throw new java.util.concurrent.CompletionException(new IOException("disk on fire"));
                    case FULL:
                        throw new java.util.concurrent.CompletionException(new SpoolFullException("no room"));
                    default:
                        byte[] bytes;
                        synchronized (this) {
                            bytes = content.toByteArray();
                        }
                        QueuedMessage m = new QueuedMessage(id, envelope,
                                envelope.recipients().stream().map(RecipientStatus::pending).toList(),
                                bytes.length, 0, Instant.now(), false);
                        messages.put(id, new Stored(m, bytes));
                        listeners.forEach(Runnable::run);
                        return m;
                }
            }, committer);
        }

        @Override
        public void abort() {
            if (!committed && !abortedFlag) {
                abortedFlag = true;
                aborted.add(id);
            }
        }
    }
}
