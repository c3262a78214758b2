package org.karavel.tls.internal;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.api.queue.Spool;

/** A spool that keeps committed messages in a list, for checking what the report sender queues. */
final class CapturingSpool implements Spool {
    record Committed(Envelope envelope, byte[] content) {}

    final List<Committed> committed = new CopyOnWriteArrayList<>();
    private final AtomicInteger ids = new AtomicInteger(0xA000);

    @Override
    public MessageDraft create() {
        QueueId id = new QueueId(Integer.toHexString(ids.incrementAndGet()).toUpperCase());
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        return new MessageDraft() {
            @Override
            public QueueId id() {
                return id;
            }

            @Override
            public void write(byte[] data, int offset, int length) {
                content.write(data, offset, length);
            }

            @Override
            public long size() {
                return content.size();
            }

            @Override
            public CompletionStage<QueuedMessage> commit(Envelope envelope) {
                committed.add(new Committed(envelope, content.toByteArray()));
                return CompletableFuture.completedFuture(new QueuedMessage(id, envelope,
                        envelope.recipients().stream().map(RecipientStatus::pending).toList(), content.size(), 0,
                        Instant.now(), false));
            }

            @Override
            public void abort() {}
        };
    }

    @Override
    public Optional<QueuedMessage> get(QueueId id) {
        return Optional.empty();
    }

    @Override
    public List<QueuedMessage> list() {
        return List.of();
    }

    @Override
    public List<QueuedMessage> due(Instant now, int limit) {
        return List.of();
    }

    @Override
    public int size() {
        return committed.size();
    }

    @Override
    public InputStream openContent(QueueId id) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<Void> update(QueuedMessage message) {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Boolean> remove(QueueId id) {
        return CompletableFuture.completedFuture(false);
    }

    @Override
    public boolean flush(QueueId id) {
        return false;
    }

    @Override
    public int flushAll() {
        return 0;
    }

    @Override
    public void addListener(Runnable listener) {}

    @Override
    public void removeListener(Runnable listener) {}
}
