package org.karavel.delivery.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.PendingVisitor;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuePage;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.Spool;

/**
 * The spool as the transports read it: every message's content comes without its X-Karavel-Pool
 * field, so that no path that sends or signs a copy can forget to remove it.
 */
final class PoolHeaderSpool implements Spool {
    private final Spool spool;

    PoolHeaderSpool(Spool spool) {
        this.spool = spool;
    }

    @Override
    public InputStream openContent(QueueId id) throws IOException {
        InputStream in = new BufferedInputStream(spool.openContent(id), 8192);
        try {
            return PoolHeader.strip(in);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    @Override
    public MessageDraft create() throws IOException {
        return spool.create();
    }

    @Override
    public Optional<QueuedMessage> get(QueueId id) {
        return spool.get(id);
    }

    @Override
    public List<QueuedMessage> list() {
        return spool.list();
    }

    @Override
    public List<QueuedMessage> due(Instant now, int limit) {
        return spool.due(now, limit);
    }

    @Override
    public List<QueuedMessage> due(Instant now, int limit, Predicate<QueueId> skip) {
        return spool.due(now, limit, skip);
    }

    @Override
    public void setAside(QueueId id) {
        spool.setAside(id);
    }

    @Override
    public void putBack(QueueId id) {
        spool.putBack(id);
    }

    @Override
    public void forEachPending(PendingVisitor visitor) {
        spool.forEachPending(visitor);
    }

    @Override
    public QueuePage page(QueueId after, String domainKey, int limit) {
        return spool.page(after, domainKey, limit);
    }

    @Override
    public int flushPendingAt(String domainKey) {
        return spool.flushPendingAt(domainKey);
    }

    @Override
    public int size() {
        return spool.size();
    }

    @Override
    public CompletionStage<Void> update(QueuedMessage message) {
        return spool.update(message);
    }

    @Override
    public CompletionStage<Boolean> remove(QueueId id) {
        return spool.remove(id);
    }

    @Override
    public boolean flush(QueueId id) {
        return spool.flush(id);
    }

    @Override
    public int flushAll() {
        return spool.flushAll();
    }

    @Override
    public void addListener(Runnable listener) {
        spool.addListener(listener);
    }

    @Override
    public void removeListener(Runnable listener) {
        spool.removeListener(listener);
    }
}
