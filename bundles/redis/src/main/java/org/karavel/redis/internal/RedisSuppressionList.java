package org.karavel.redis.internal;

import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.karavel.api.suppression.Suppression;
import org.karavel.api.suppression.SuppressionList;
import org.karavel.api.suppression.SuppressionPage;
import org.karavel.api.suppression.SuppressionQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The suppression list shared in Redis, answered from a local copy. Redis holds one hash (address
 * to entry), a version counter and a change log (a sorted set: address scored by the version that
 * last changed it, the newest {@link #LOG_KEEP} kept). Every write goes to Redis first and then into
 * the copy; every few seconds the copy asks for the changes since its version (one script: nothing,
 * the changed addresses, or the whole hash when the log no longer reaches back). So {@link #find}
 * never touches the network: it sees this node's writes at once and other nodes' within the sync
 * interval, and keeps answering from the copy while Redis is down.
 *
 * <p>Entries from bounces are decided by the embedded list (its categories and expiry) and then
 * shared; one that cannot be written waits in the copy and is written when Redis is back. Redis that
 * comes back empty (restarted without persistence) gets this node's copy written back.
 */
final class RedisSuppressionList implements SuppressionList, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisSuppressionList.class);
    static final int LOG_KEEP = 100_000;
    private static final int CHUNK = 500;
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(30);
    /** The version of an entry not yet in Redis: no sync answer may replace it. */
    private static final long UNWRITTEN = Long.MAX_VALUE;

    private static final LuaScript WRITE = LuaScript.of("suppression-write", """
            local epoch = redis.call('GET', KEYS[4])
            if not epoch then
              epoch = ARGV[1]
              redis.call('SET', KEYS[4], epoch)
            end
            local existed = 0
            local v = tonumber(redis.call('GET', KEYS[2]) or '0')
            for i = 2, #ARGV, 2 do
              if ARGV[i + 1] == '' then
                existed = existed + redis.call('HDEL', KEYS[1], ARGV[i])
              else
                redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
              end
              v = redis.call('INCR', KEYS[2])
              redis.call('ZADD', KEYS[3], v, ARGV[i])
            end
            redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -%d)
            return {v, existed, epoch}
            """.formatted(LOG_KEEP + 1));

    private static final LuaScript CHANGES = LuaScript.of("suppression-changes", """
            local v = tonumber(redis.call('GET', KEYS[2]) or '0')
            local epoch = redis.call('GET', KEYS[4])
            if not epoch then
              epoch = ARGV[3]
              redis.call('SET', KEYS[4], epoch)
            end
            local ours = tonumber(ARGV[1])
            if epoch == ARGV[2] and v == ours then return {v, 0, epoch} end
            local oldest = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
            if epoch ~= ARGV[2] or v < ours or #oldest == 0 or tonumber(oldest[2]) > ours + 1 then
              local out = {v, 1, epoch}
              for _, x in ipairs(redis.call('HGETALL', KEYS[1])) do out[#out + 1] = x end
              return out
            end
            local out = {v, 0, epoch}
            for _, a in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. ARGV[1], '+inf')) do
              out[#out + 1] = a
              out[#out + 1] = redis.call('HGET', KEYS[1], a) or ''
            end
            return out
            """);

    /** An entry of the copy (null: removed) and the version of the list it is from. */
    private record Cached(Suppression entry, long version) {}

    private final RedisStore store;
    private final Supplier<SuppressionList> embedded;
    private final NavigableMap<String, Cached> copy = new ConcurrentSkipListMap<>();
    private final Map<String, Suppression> unwritten = new ConcurrentHashMap<>();
    private final ScheduledExecutorService syncs;
    private final String[] keys;
    private volatile long version;
    /** Which life of the Redis data the copy follows: a new one means Redis lost what it had. */
    private volatile String epoch = "";

    RedisSuppressionList(RedisStore store, Supplier<SuppressionList> embedded) {
        this.store = store;
        this.embedded = embedded;
        this.keys = new String[] {
            store.key("suppression"),
            store.key("suppression:version"),
            store.key("suppression:log"),
            store.key("suppression:epoch")
        };
        this.syncs = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "karavel-redis-suppression");
            t.setDaemon(true);
            return t;
        });
        long every = store.settings().suppressionSync().toMillis();
        syncs.scheduleWithFixedDelay(this::syncQuietly, 0, every, TimeUnit.MILLISECONDS);
    }

    // ---- reads: the copy only

    @Override
    public Optional<Suppression> find(String address) {
        Cached c = copy.get(Suppression.key(address));
        return c == null || c.entry() == null || c.entry().expiredAt(Instant.now())
                ? Optional.empty()
                : Optional.of(c.entry());
    }

    @Override
    public SuppressionPage list(SuppressionQuery query) {
        Instant now = Instant.now();
        NavigableMap<String, Cached> from = query.after().isEmpty() ? copy : copy.tailMap(query.after(), false);
        List<Suppression> page = new ArrayList<>();
        for (Cached c : from.values()) {
            Suppression s = c.entry();
            if (s == null || s.expiredAt(now) || !query.matches(s)) {
                continue;
            }
            if (page.size() == query.limit()) {
                return new SuppressionPage(page, page.get(page.size() - 1).address());
            }
            page.add(s);
        }
        return new SuppressionPage(page, "");
    }

    @Override
    public long count() {
        return copy.values().stream().filter(c -> c.entry() != null).count();
    }

    @Override
    public void exportEntries(Consumer<? super Suppression> sink) {
        Instant now = Instant.now();
        for (Cached c : copy.values()) {
            if (c.entry() != null && !c.entry().expiredAt(now)) {
                sink.accept(c.entry());
            }
        }
    }

    // ---- writes: Redis first, then the copy

    @Override
    public Suppression add(Suppression entry) {
        long v = write(List.of(entry.address(), SuppressionCodec.encode(entry)))[0];
        unwritten.remove(entry.address());
        keep(entry.address(), entry, v, true);
        return entry;
    }

    @Override
    public boolean remove(String address) {
        String key = Suppression.key(address);
        Cached before = copy.get(key);
        boolean expired =
                before != null && before.entry() != null && before.entry().expiredAt(Instant.now());
        long[] r = write(List.of(key, ""));
        unwritten.remove(key);
        keep(key, null, r[0], true);
        return r[1] > 0 && !expired;
    }

    @Override
    public int importEntries(Collection<Suppression> entries) {
        List<Suppression> all = new ArrayList<>(entries);
        for (int i = 0; i < all.size(); i += CHUNK) {
            List<Suppression> chunk = all.subList(i, Math.min(all.size(), i + CHUNK));
            long v = write(pairs(chunk))[0];
            chunk.forEach(s -> keep(s.address(), s, v, true));
        }
        return all.size();
    }

    @Override
    public CompletionStage<Optional<Suppression>> permanentFailure(
            String address, String category, String reply, String queueId) {
        SuppressionList local = embedded.get();
        if (local == null) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return local.permanentFailure(address, category, reply, queueId).thenApply(added -> {
            if (added.isEmpty()) {
                return added;
            }
            Suppression entry = keepLongerExpiry(added.get(), find(added.get().address()));
            keep(entry.address(), entry, UNWRITTEN, true);
            unwritten.put(entry.address(), entry);
            share(List.of(entry));
            return Optional.of(entry);
        });
    }

    /** A bounce never shortens an entry in force: an operator's "never" stays never. */
    private static Suppression keepLongerExpiry(Suppression entry, Optional<Suppression> old) {
        if (old.isEmpty()) {
            return entry;
        }
        Instant a = old.get().expires();
        Instant b = entry.expires();
        return a == null || (b != null && a.isAfter(b)) ? entry.withExpires(a) : entry;
    }

    /** Writes entries from bounces without waiting; those Redis does not take wait for the next sync. */
    private void share(List<Suppression> entries) {
        store.<List<Object>>eval(WRITE, ScriptOutputType.MULTI, keys, withEpochCandidate(pairs(entries)))
                .whenComplete((r, e) -> {
                    if (e != null) {
                        store.degraded("suppression");
                        return;
                    }
                    adoptEpoch(r);
                    long v = ((Number) r.get(0)).longValue();
                    for (Suppression s : entries) {
                        if (unwritten.remove(s.address(), s)) {
                            keep(s.address(), s, v, true);
                        }
                    }
                });
    }

    /** The write script's arguments: an epoch for Redis data that has none yet, then the pairs. */
    private static String[] withEpochCandidate(List<String> pairs) {
        List<String> args = new ArrayList<>(pairs.size() + 1);
        args.add(UUID.randomUUID().toString());
        args.addAll(pairs);
        return args.toArray(String[]::new);
    }

    /** A node that wrote before its first sync must still notice Redis losing what it wrote. */
    private void adoptEpoch(List<Object> writeAnswer) {
        if (epoch.isEmpty()) {
            epoch = String.valueOf(writeAnswer.get(2));
        }
    }

    private static List<String> pairs(List<Suppression> entries) {
        List<String> args = new ArrayList<>(entries.size() * 2);
        for (Suppression s : entries) {
            args.add(s.address());
            args.add(SuppressionCodec.encode(s));
        }
        return args;
    }

    /** One write script, waited for: an operator's change fails visibly when Redis does not answer. */
    private long[] write(List<String> args) {
        try {
            List<Object> r = store.<List<Object>>evalWithin(
                            WRITE_TIMEOUT, WRITE, ScriptOutputType.MULTI, keys, withEpochCandidate(args))
                    .toCompletableFuture()
                    .get(WRITE_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
            adoptEpoch(r);
            return new long[] {((Number) r.get(0)).longValue(), ((Number) r.get(1)).longValue()};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing to the shared suppression list", e);
        } catch (Exception e) {
            store.degraded("suppression");
            throw new IllegalStateException(
                    "the shared suppression list (Redis) does not answer, nothing was changed: " + e.getMessage(), e);
        }
    }

    /**
     * Puts an entry (null: removed) of list version {@code v} into the copy unless the copy holds a
     * newer one; an entry not yet written to Redis gives way only to a write ({@code written}).
     */
    private void keep(String address, Suppression entry, long v, boolean written) {
        copy.compute(
                address,
                (a, old) -> old == null || old.version() <= v || (written && old.version() == UNWRITTEN)
                        ? new Cached(entry, v)
                        : old);
    }

    // ---- sync

    private void syncQuietly() {
        try {
            sync();
        } catch (Exception e) {
            LOG.debug("redis: suppression sync failed: {}", e.toString());
        }
    }

    /** Writes what waits, then brings the copy up to Redis's version. */
    void sync() throws Exception {
        if (!store.reachable()) {
            return;
        }
        if (!unwritten.isEmpty()) {
            share(new ArrayList<>(unwritten.values()));
        }
        String candidate = UUID.randomUUID().toString();
        List<Object> r = store.<List<Object>>evalWithin(
                        SYNC_TIMEOUT, CHANGES, ScriptOutputType.MULTI, keys, Long.toString(version), epoch, candidate)
                .toCompletableFuture()
                .get(SYNC_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
        long v = ((Number) r.get(0)).longValue();
        boolean whole = ((Number) r.get(1)).longValue() == 1;
        String redisEpoch = String.valueOf(r.get(2));
        if (whole && !epoch.isEmpty() && !epoch.equals(redisEpoch)) {
            writeBack(redisEpoch);
            return;
        }
        Map<String, Suppression> changed = new HashMap<>();
        List<String> removed = new ArrayList<>();
        for (int i = 3; i + 1 < r.size(); i += 2) {
            String address = String.valueOf(r.get(i));
            Suppression s = SuppressionCodec.decode(address, String.valueOf(r.get(i + 1)));
            if (s == null) {
                removed.add(address);
            } else {
                changed.put(address, s);
            }
        }
        if (whole) {
            // what Redis no longer has, and the copy holds from before this answer, is gone
            copy.entrySet().removeIf(e -> e.getValue().version() <= v && !changed.containsKey(e.getKey()));
        }
        changed.forEach((a, s) -> keep(a, s, v, false));
        removed.forEach(a -> keep(a, null, v, false));
        copy.entrySet()
                .removeIf(e -> e.getValue().entry() == null && e.getValue().version() <= v);
        version = v;
        epoch = redisEpoch;
    }

    /** Redis lost its data (restarted empty, flushed): give it this node's copy again. */
    private void writeBack(String redisEpoch) {
        List<Suppression> mine = new ArrayList<>();
        exportEntries(mine::add);
        LOG.warn(
                "redis: the shared suppression list was lost (Redis restarted empty or was flushed);"
                        + " writing back this node's {} entries",
                mine.size());
        for (int i = 0; i < mine.size(); i += CHUNK) {
            List<Suppression> chunk = mine.subList(i, Math.min(mine.size(), i + CHUNK));
            long v = write(pairs(chunk))[0];
            chunk.forEach(s -> keep(s.address(), s, v, true));
        }
        // the next sync reads the whole list, other nodes' entries included
        version = 0;
        epoch = redisEpoch;
    }

    @Override
    public void close() {
        syncs.shutdownNow();
    }
}
