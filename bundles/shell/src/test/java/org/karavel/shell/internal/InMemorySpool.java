package org.karavel.shell.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.Spool;

/** A spool in memory for the shell's tests: messages are put in directly; flushing makes them due at {@link #flushTime}. */
public final class InMemorySpool implements Spool {
    private final Map<QueueId, QueuedMessage> messages = new LinkedHashMap<>();
    final List<QueueId> flushed = new ArrayList<>();
    Instant flushTime = Instant.parse("2030-01-01T00:00:00Z");

    public synchronized void put(QueuedMessage m) {
        messages.put(m.id(), m);
    }

    @Override
    public MessageDraft create() {
        throw new UnsupportedOperationException("the shell never receives mail");
    }

    @Override
    public synchronized Optional<QueuedMessage> get(QueueId id) {
        return Optional.ofNullable(messages.get(id));
    }

    @Override
    public synchronized List<QueuedMessage> list() {
        return messages.values().stream().sorted(Comparator.comparing(m -> m.envelope().receivedAt())).toList();
    }

    @Override
    public synchronized List<QueuedMessage> due(Instant now, int limit) {
        return list().stream().filter(m -> !m.isFinished() && !m.nextAttempt().isAfter(now)).limit(limit).toList();
    }

    @Override
    public synchronized int size() {
        return messages.size();
    }

    @Override
    public InputStream openContent(QueueId id) throws IOException {
        if (!messages.containsKey(id)) {
            throw new IOException("no such message: " + id);
        }
        return new ByteArrayInputStream(new byte[0]);
    }

    @Override
    public synchronized CompletionStage<Void> update(QueuedMessage message) {
        messages.put(message.id(), message);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletionStage<Boolean> remove(QueueId id) {
        return CompletableFuture.completedFuture(messages.remove(id) != null);
    }

    @Override
    public synchronized boolean flush(QueueId id) {
        QueuedMessage m = messages.get(id);
        if (m == null) {
            return false;
        }
        messages.put(id, m.withNextAttempt(m.attempts(), flushTime));
        flushed.add(id);
        return true;
    }

    @Override
    public synchronized int flushAll() {
        for (QueueId id : List.copyOf(messages.keySet())) {
            flush(id);
        }
        return messages.size();
    }

    @Override
    public void addListener(Runnable listener) {
        // nothing happens in this spool that a listener would need to hear of
    }

    @Override
    public void removeListener(Runnable listener) {
        // see addListener
    }
}
