package org.karavel.redis.internal;

import io.lettuce.core.ScriptOutputType;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.karavel.api.fleet.Fleet;
import org.karavel.api.metrics.Metric;
import org.karavel.api.shaping.ConnectionSlots;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A site's max_connections held by the fleet: per key a sorted set of holders (this node's name, a
 * token of this run, a number) scored by the end of their lease on Redis's clock. Taking a slot is
 * one script (drop ended leases, count, add); giving it back is one ZREM, sent without waiting. Every
 * heartbeat one script renews the leases of every slot this node holds, and writes back those Redis
 * lost or that were given locally while it was away; a node that stops renewing (a crash) loses its
 * slots after node_timeout_seconds. When Redis fails or is slower than the command timeout, a slot is
 * given from this node's share: the limit divided by the live nodes, at least 1, against the slots
 * this node holds.
 */
final class RedisConnectionSlots implements ConnectionSlots, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisConnectionSlots.class);

    private static final LuaScript TAKE = LuaScript.of("slot-take", """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local limit = tonumber(ARGV[1])
            local lease = tonumber(ARGV[3])
            local lowered = tonumber(ARGV[4])
            if lowered > 0 then
              local cap = tonumber(redis.call('GET', KEYS[2]) or '0')
              if cap == 0 or limit < cap then
                redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[4])
              elseif limit == cap and redis.call('PTTL', KEYS[2]) < lowered then
                redis.call('PEXPIRE', KEYS[2], ARGV[4])
              end
            end
            local cap = tonumber(redis.call('GET', KEYS[2]) or '0')
            if cap > 0 and cap < limit then limit = cap end
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now))
            if not redis.call('ZSCORE', KEYS[1], ARGV[2]) and redis.call('ZCARD', KEYS[1]) >= limit then
              return 0
            end
            redis.call('ZADD', KEYS[1], string.format('%d', now + lease), ARGV[2])
            if redis.call('PTTL', KEYS[1]) < lease then
              redis.call('PEXPIRE', KEYS[1], ARGV[3])
            end
            return 1
            """);

    private static final LuaScript RENEW = LuaScript.of("slot-renew", """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local lease = tonumber(ARGV[1])
            local ends = string.format('%d', now + lease)
            for i, k in ipairs(KEYS) do
              redis.call('ZADD', k, ends, ARGV[i + 1])
              if redis.call('PTTL', k) < lease then
                redis.call('PEXPIRE', k, ARGV[1])
              end
            end
            return #KEYS
            """);

    private final RedisStore store;
    private final Fleet fleet;
    /** Names this run's holders: a node restarted under the same name never renews its past leases. */
    private final String run;

    private final AtomicLong sequence = new AtomicLong();
    /** The slots this node holds, holder → key. Guarded by this, as is sending a renewal or a ZREM. */
    private final Map<String, String> held = new HashMap<>();
    /** A slot was given locally, or a renewal failed: Redis may miss some of ours; write them first. */
    private volatile boolean unwritten;

    private final LongAdder refused = new LongAdder();
    private final ScheduledFuture<?> renewals;

    RedisConnectionSlots(RedisStore store, Fleet fleet) {
        this.store = store;
        this.fleet = fleet;
        byte[] token = new byte[4];
        new SecureRandom().nextBytes(token);
        this.run = store.settings().nodeName() + "/" + HexFormat.of().formatHex(token);
        long every = store.settings().heartbeat().toMillis();
        this.renewals = store.timer().scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public Optional<Slot> tryAcquire(String key, int limit, Duration loweredFor) {
        int max = Math.max(1, limit);
        String holder = run + ":" + sequence.incrementAndGet();
        if (!store.reachable()) {
            return local(key, max, holder);
        }
        if (unwritten) {
            // sent before the take on the same connection, so Redis counts this node's slots first
            renew();
        }
        long lowered = loweredFor == null || loweredFor.isNegative() ? 0 : loweredFor.toMillis();
        try {
            Long taken = store.<Long>eval(
                            TAKE,
                            ScriptOutputType.INTEGER,
                            new String[] {slotsKey(key), store.key("slots.lowered:" + key)},
                            Integer.toString(max),
                            holder,
                            Long.toString(lease()),
                            Long.toString(lowered))
                    .toCompletableFuture()
                    // the command timeout fails the stage; this bound only guards against a lost answer
                    .get(store.settings().commandTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
            if (taken != null && taken == 1) {
                return Optional.of(hold(key, holder));
            }
            refused.increment();
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fallBack(key, max, holder);
        } catch (Exception e) {
            return fallBack(key, max, holder);
        }
    }

    /** Redis failed or was slow: the take may have reached it all the same. */
    private Optional<Slot> fallBack(String key, int max, String holder) {
        Optional<Slot> mine = local(key, max, holder);
        if (mine.isEmpty()) {
            synchronized (this) {
                giveBack(key, holder);
            }
        }
        return mine;
    }

    /** This node's share of the key's slots, while the fleet's cannot be asked. */
    private Optional<Slot> local(String key, int max, String holder) {
        store.degraded("connection_slots");
        int share = Math.max(1, max / Math.max(1, fleet.liveNodes()));
        synchronized (this) {
            long mine = held.values().stream().filter(key::equals).count();
            if (mine >= share) {
                refused.increment();
                return Optional.empty();
            }
            unwritten = true;
            held.put(holder, key);
        }
        return Optional.of(new Held(key, holder));
    }

    private Slot hold(String key, String holder) {
        synchronized (this) {
            held.put(holder, key);
        }
        return new Held(key, holder);
    }

    /** Renews the lease of every slot held (and writes back the missing ones), in one script. */
    void renew() {
        CompletionStage<Long> sent;
        synchronized (this) {
            if (held.isEmpty()) {
                unwritten = false;
                return;
            }
            List<String> keys = new ArrayList<>(held.size());
            List<String> args = new ArrayList<>(held.size() + 1);
            args.add(Long.toString(lease()));
            held.forEach((holder, key) -> {
                keys.add(slotsKey(key));
                args.add(holder);
            });
            unwritten = false;
            try {
                sent = store.eval(
                        RENEW, ScriptOutputType.INTEGER, keys.toArray(String[]::new), args.toArray(String[]::new));
            } catch (RuntimeException e) {
                unwritten = true;
                return;
            }
        }
        sent.whenComplete((n, e) -> {
            if (e != null) {
                unwritten = true;
                LOG.debug("redis: renewing connection slots failed: {}", e.toString());
            }
        });
    }

    /** Under this object's lock, so that a renewal sent before it cannot write the holder back after. */
    private void giveBack(String key, String holder) {
        held.remove(holder);
        if (store.reachable()) {
            store.call(c -> c.zrem(slotsKey(key), holder)).whenComplete((n, e) -> {
                if (e != null) {
                    LOG.debug("redis: giving back a connection slot failed (its lease ends it): {}", e.toString());
                }
            });
        }
    }

    private long lease() {
        return store.settings().nodeTimeout().toMillis();
    }

    private String slotsKey(String key) {
        return store.key("slots:" + key);
    }

    /** Slots this node holds now. */
    synchronized int heldCount() {
        return held.size();
    }

    List<Metric> metrics() {
        return List.of(
                Metric.of(
                        "karavel_redis_connection_slots_held",
                        "Connection slots (a site's max_connections shared by the fleet) this node holds",
                        Metric.Type.GAUGE,
                        heldCount()),
                Metric.of(
                        "karavel_redis_connection_slots_refused_total",
                        "New connections that waited because the fleet (or, degraded, this node's share) held"
                                + " every slot of their site",
                        Metric.Type.COUNTER,
                        refused.sum()));
    }

    @Override
    public void close() {
        renewals.cancel(false);
    }

    /** A slot held by this node. */
    private final class Held implements Slot {
        private final String key;
        private final String holder;
        private final AtomicBoolean open = new AtomicBoolean(true);

        Held(String key, String holder) {
            this.key = key;
            this.holder = holder;
        }

        @Override
        public String key() {
            return key;
        }

        @Override
        public void close() {
            if (open.compareAndSet(true, false)) {
                synchronized (RedisConnectionSlots.this) {
                    giveBack(key, holder);
                }
            }
        }

        @Override
        public String toString() {
            return key + " held by " + holder;
        }
    }
}
