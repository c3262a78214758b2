package org.karavel.delivery.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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
 * A spool in memory for unit tests, with the api's semantics: due = pending and next attempt
 * reached, oldest first; listeners run on a spool thread after commits and flushes. It keeps every
 * committed message (with content) even after removal, so tests can read DSNs that were delivered.
 */
final class InMemorySpool implements Spool {
    record Committed(QueuedMessage message, byte[] content) {
        String text() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    private final Map<QueueId, QueuedMessage> messages = new LinkedHashMap<>();
    private final Map<QueueId, byte[]> contents = new LinkedHashMap<>();
    private final List<Committed> committed = new CopyOnWriteArrayList<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final List<QueueId> removed = new CopyOnWriteArrayList<>();
    private final AtomicInteger ids = new AtomicInteger(0x1000);
    private final AtomicInteger updates = new AtomicInteger();
    private final ExecutorService notifier = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "test-spool-notifier");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean full;

    /** Queues a message as the SMTP side would. */
    QueuedMessage queue(Envelope envelope, String content) {
        try (MessageDraft d = create()) {
            d.write(content.getBytes(StandardCharsets.UTF_8));
            return d.commit(envelope).toCompletableFuture().join();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Makes create() fail as a full spool does. */
    void full(boolean isFull) {
        full = isFull;
    }

    /** Every message committed so far, in order, removed or not. */
    List<Committed> committed() {
        return List.copyOf(committed);
    }

    List<QueueId> removed() {
        return List.copyOf(removed);
    }

    int updates() {
        return updates.get();
    }

    void close() {
        notifier.shutdownNow();
    }

    @Override
    public MessageDraft create() throws IOException {
        if (full) {
            throw new SpoolFullException("test spool is full");
        }
        QueueId id = new QueueId(Integer.toHexString(ids.incrementAndGet()).toUpperCase());
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        return new MessageDraft() {
            private boolean done;

            @Override
            public QueueId id() {
                return id;
            }

            @Override
            public void write(byte[] data, int offset, int length) {
                buf.write(data, offset, length);
            }

            @Override
            public long size() {
                return buf.size();
            }

            @Override
            public CompletionStage<QueuedMessage> commit(Envelope envelope) {
                done = true;
                List<RecipientStatus> rs = envelope.recipients().stream().map(RecipientStatus::pending).toList();
                QueuedMessage m = new QueuedMessage(id, envelope, rs, buf.size(), 0, Instant.now(), false);
                synchronized (InMemorySpool.this) {
                    messages.put(id, m);
                    contents.put(id, buf.toByteArray());
                }
                committed.add(new Committed(m, buf.toByteArray()));
                notifyListeners();
                return CompletableFuture.completedFuture(m);
            }

            @Override
            public void abort() {
                done = true;
            }
        };
    }

    @Override
    public synchronized Optional<QueuedMessage> get(QueueId id) {
        return Optional.ofNullable(messages.get(id));
    }

    @Override
    public synchronized List<QueuedMessage> list() {
        return new ArrayList<>(messages.values());
    }

    @Override
    public synchronized List<QueuedMessage> due(Instant now, int limit) {
        return messages.values().stream()
                .filter(m -> !m.isFinished() && !m.nextAttempt().isAfter(now))
                .sorted(Comparator.comparing((QueuedMessage m) -> m.envelope().receivedAt()))
                .limit(limit)
                .toList();
    }

    @Override
    public synchronized int size() {
        return messages.size();
    }

    @Override
    public synchronized InputStream openContent(QueueId id) throws IOException {
        byte[] c = contents.get(id);
        if (c == null) {
            throw new IOException("no such message " + id);
        }
        return new ByteArrayInputStream(c);
    }

    @Override
    public CompletionStage<Void> update(QueuedMessage message) {
        synchronized (this) {
            if (messages.containsKey(message.id())) {
                messages.put(message.id(), message);
            }
        }
        updates.incrementAndGet();
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Boolean> remove(QueueId id) {
        boolean was;
        synchronized (this) {
            was = messages.remove(id) != null;
            contents.remove(id);
        }
        if (was) {
            removed.add(id);
        }
        return CompletableFuture.completedFuture(was);
    }

    @Override
    public boolean flush(QueueId id) {
        synchronized (this) {
            QueuedMessage m = messages.get(id);
            if (m == null || m.isFinished()) {
                return false;
            }
            messages.put(id, m.withNextAttempt(m.attempts(), Instant.now()));
        }
        notifyListeners();
        return true;
    }

    @Override
    public int flushAll() {
        int n = 0;
        synchronized (this) {
            for (QueuedMessage m : List.copyOf(messages.values())) {
                messages.put(m.id(), m.withNextAttempt(m.attempts(), Instant.now()));
                n++;
            }
        }
        notifyListeners();
        return n;
    }

    @Override
    public void addListener(Runnable listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(Runnable listener) {
        listeners.remove(listener);
    }

    private void notifyListeners() {
        notifier.execute(() -> listeners.forEach(Runnable::run));
    }
}
