package org.karavel.suppression.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.karavel.api.suppression.Suppression;
import org.karavel.api.suppression.SuppressionList;
import org.karavel.api.suppression.SuppressionPage;
import org.karavel.api.suppression.SuppressionQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded {@link SuppressionList}: lookups and listings read the MapDB map on the caller's
 * thread; every write runs on the bundle's one thread, {@code karavel-suppression}. An operator's
 * change is committed (fsynced) before the call returns; entries from bounces are committed at most
 * {@link #COMMIT_DELAY} later, in groups (a crash loses at most that much: the next bounce adds them
 * again). Expired entries count as absent at once and are removed every purge interval.
 */
final class SuppressionDatabase implements SuppressionList, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SuppressionDatabase.class);
    static final Duration COMMIT_DELAY = Duration.ofSeconds(1);
    private static final long OPERATOR_TIMEOUT_SECONDS = 60;

    private final MapDbSuppressionStore store;
    private final Clock clock;
    private final ScheduledThreadPoolExecutor thread;
    private volatile SuppressionSettings settings;
    private volatile ScheduledFuture<?> purges;
    private ScheduledFuture<?> pendingCommit; // store thread only
    private volatile boolean closed;

    SuppressionDatabase(MapDbSuppressionStore store, SuppressionSettings settings, Clock clock) {
        this.store = store;
        this.settings = settings;
        this.clock = clock;
        this.thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "karavel-suppression");
            t.setDaemon(true);
            return t;
        });
        // a commit still waiting at close is not needed: closing the store commits
        thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        schedulePurges(settings.purgeInterval());
        thread.execute(this::purge);
    }

    SuppressionSettings settings() {
        return settings;
    }

    /** Settings that need no other file take effect at once. */
    void settings(SuppressionSettings next) {
        SuppressionSettings old = settings;
        settings = next;
        if (!old.purgeInterval().equals(next.purgeInterval())) {
            purges.cancel(false);
            schedulePurges(next.purgeInterval());
        }
    }

    private void schedulePurges(Duration every) {
        purges = thread.scheduleWithFixedDelay(this::purge, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    MapDbSuppressionStore store() {
        return store;
    }

    @Override
    public Optional<Suppression> find(String address) {
        String key = Suppression.key(address);
        checkOpen();
        return store.get(key).filter(s -> !s.expiredAt(clock.instant()));
    }

    @Override
    public Suppression add(Suppression entry) {
        Objects.requireNonNull(entry, "entry");
        return await(write(() -> {
            store.put(entry);
            store.commit();
            return entry;
        }));
    }

    @Override
    public CompletionStage<Optional<Suppression>> permanentFailure(
            String address, String category, String reply, String queueId) {
        SuppressionSettings s = settings;
        if (!s.enabled() || category == null || !s.categories().contains(category)) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        Instant now = clock.instant();
        Suppression entry;
        try {
            entry = new Suppression(
                    address, reply, category, now, s.expiry().isZero() ? null : now.plus(s.expiry()), queueId);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        return write(() -> {
            Suppression stored = keepLongerExpiry(entry, store.get(entry.address()), now);
            store.put(stored);
            commitSoon();
            LOG.info(
                    "suppression: {} added after a {} bounce of {} ({})",
                    stored.address(),
                    category,
                    queueId,
                    stored.reason());
            return Optional.of(stored);
        });
    }

    /** A bounce never shortens an entry in force: an operator's "never" stays never. */
    private static Suppression keepLongerExpiry(Suppression entry, Optional<Suppression> old, Instant now) {
        if (old.isEmpty() || old.get().expiredAt(now)) {
            return entry;
        }
        Instant a = old.get().expires();
        Instant b = entry.expires();
        return a == null || (b != null && a.isAfter(b)) ? entry.withExpires(a) : entry;
    }

    @Override
    public boolean remove(String address) {
        String key = Suppression.key(address);
        return await(write(() -> {
            Optional<Suppression> old = store.remove(key);
            store.commit();
            return old.isPresent() && !old.get().expiredAt(clock.instant());
        }));
    }

    @Override
    public SuppressionPage list(SuppressionQuery query) {
        checkOpen();
        Instant now = clock.instant();
        List<Suppression> page = new ArrayList<>();
        Iterator<Suppression> it = store.from(query.after());
        while (it.hasNext()) {
            Suppression s = it.next();
            if (s.expiredAt(now) || !query.matches(s)) {
                continue;
            }
            if (page.size() == query.limit()) {
                return new SuppressionPage(page, page.get(page.size() - 1).address());
            }
            page.add(s);
        }
        return new SuppressionPage(page, "");
    }

    /** Entries stored, including those expired since the last purge (at most one purge interval old). */
    @Override
    public long count() {
        return closed ? 0 : store.size();
    }

    @Override
    public int importEntries(Collection<Suppression> entries) {
        List<Suppression> copy = List.copyOf(entries);
        return await(write(() -> {
            for (Suppression s : copy) {
                store.put(s);
            }
            store.commit();
            return copy.size();
        }));
    }

    @Override
    public void exportEntries(Consumer<? super Suppression> sink) {
        checkOpen();
        Instant now = clock.instant();
        Iterator<Suppression> it = store.from("");
        while (it.hasNext()) {
            Suppression s = it.next();
            if (!s.expiredAt(now)) {
                sink.accept(s);
            }
        }
    }

    /** Removes expired entries now (also run every purge interval); the stage has how many. */
    CompletionStage<Integer> purgeNow() {
        return write(this::purge);
    }

    private int purge() {
        try {
            Instant now = clock.instant();
            int removed = store.removeIf(s -> s.expiredAt(now));
            if (removed > 0) {
                store.commit();
                LOG.info("suppression: removed {} expired entries; {} left", removed, store.size());
            }
            return removed;
        } catch (RuntimeException | IllegalAccessError ex) {
            // IllegalAccessError: MapDB's answer once its file is closed
            LOG.warn("suppression: purge failed: {}", ex.toString());
            return 0;
        }
    }

    private void commitSoon() {
        if (pendingCommit == null || pendingCommit.isDone()) {
            pendingCommit = thread.schedule(this::commit, COMMIT_DELAY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void commit() {
        try {
            store.commit();
        } catch (RuntimeException ex) {
            LOG.warn("suppression: commit failed: {}", ex.toString());
        }
    }

    /** A write on the store thread; a failed stage once closed. */
    private <T> CompletableFuture<T> write(Supplier<T> work) {
        try {
            return CompletableFuture.supplyAsync(work, thread);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new IllegalStateException("the suppression list is closed", e));
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the suppression list is closed");
        }
    }

    private static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(OPERATOR_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "the suppression list did not answer within " + OPERATOR_TIMEOUT_SECONDS + " s", e);
        }
    }

    /** Commits and closes the store after the writes already queued. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        purges.cancel(false);
        thread.shutdown();
        try {
            if (!thread.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("suppression: thread did not finish within 30 s");
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long left = store.size();
        store.close();
        LOG.info("suppression: database closed ({} entries)", left);
    }
}
