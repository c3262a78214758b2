package org.karavel.admin.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.concurrent.atomic.AtomicLong;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.api.queue.Spool;
import org.karavel.api.queue.SpoolFullException;

/** A spool in memory for the tests: same contract, no disk; "durable" as soon as committed. */
final class InMemorySpool implements Spool {
    private final Map<QueueId, QueuedMessage> messages = new ConcurrentHashMap<>();
    private final Map<QueueId, byte[]> contents = new ConcurrentHashMap<>();
    private final AtomicLong next = new AtomicLong(0xA000);
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    final List<QueueId> flushed = new CopyOnWriteArrayList<>();
    volatile boolean full;
    volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

    /** Puts a message straight into the queue, as if it had been received earlier. */
    QueuedMessage add(Envelope envelope, String content) {
        QueueId id = new QueueId(Long.toHexString(next.incrementAndGet()).toUpperCase());
        QueuedMessage m = new QueuedMessage(id, envelope,
                envelope.recipients().stream().map(RecipientStatus::pending).toList(), content.length(), 0,
                envelope.receivedAt(), false);
        messages.put(id, m);
        contents.put(id, content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return m;
    }

    void put(QueuedMessage m) {
        messages.put(m.id(), m);
    }

    byte[] content(QueueId id) {
        return contents.get(id);
    }

    @Override
    public MessageDraft create() throws IOException {
        if (full) {
            throw new SpoolFullException("test spool is full");
        }
        QueueId id = new QueueId(Long.toHexString(next.incrementAndGet()).toUpperCase());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        return new MessageDraft() {
            private boolean done;

            @Override
            public QueueId id() {
                return id;
            }

            @Override
            public void write(byte[] data, int offset, int length) {
                out.write(data, offset, length);
            }

            @Override
            public long size() {
                return out.size();
            }

            @Override
            public CompletionStage<QueuedMessage> commit(Envelope envelope) {
                done = true;
                QueuedMessage m = new QueuedMessage(id, envelope,
                        envelope.recipients().stream().map(RecipientStatus::pending).toList(), out.size(), 0, now, false);
                contents.put(id, out.toByteArray());
                messages.put(id, m);
                listeners.forEach(Runnable::run);
                // completes on another thread, as the real spool's group commit does
                return CompletableFuture.supplyAsync(() -> m);
            }

            @Override
            public void abort() {
                done = true;
            }
        };
    }

    @Override
    public Optional<QueuedMessage> get(QueueId id) {
        return Optional.ofNullable(messages.get(id));
    }

    @Override
    public List<QueuedMessage> list() {
        List<QueuedMessage> all = new ArrayList<>(messages.values());
        all.sort(Comparator.comparing((QueuedMessage m) -> m.envelope().receivedAt()).thenComparing(QueuedMessage::id));
        return all;
    }

    @Override
    public List<QueuedMessage> due(Instant when, int limit) {
        return list().stream().filter(m -> !m.nextAttempt().isAfter(when)).limit(limit).toList();
    }

    @Override
    public int size() {
        return messages.size();
    }

    @Override
    public InputStream openContent(QueueId id) throws IOException {
        byte[] c = contents.get(id);
        if (c == null) {
            throw new IOException("no content for " + id);
        }
        return new ByteArrayInputStream(c);
    }

    @Override
    public CompletionStage<Void> update(QueuedMessage message) {
        messages.put(message.id(), message);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Boolean> remove(QueueId id) {
        contents.remove(id);
        return CompletableFuture.completedFuture(messages.remove(id) != null);
    }

    @Override
    public boolean flush(QueueId id) {
        QueuedMessage m = messages.get(id);
        if (m == null) {
            return false;
        }
        flushed.add(id);
        messages.put(id, m.withNextAttempt(m.attempts(), now));
        return true;
    }

    @Override
    public int flushAll() {
        messages.keySet().forEach(this::flush);
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
}
