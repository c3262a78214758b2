package org.karavel.redis.internal;

import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.karavel.api.fleet.Fleet;
import org.karavel.api.fleet.FleetNode;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.Spool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet as the heartbeats in Redis tell it. Every heartbeat is one script: it writes this
 * node's hash (with an expiry), scores the node by Redis's own clock in the fleet's sorted set, drops
 * names whose records expired and reads every node back; {@link #nodes()} answers from that last
 * round. Redis's clock, not the nodes', decides who is gone, so skewed node clocks do not matter.
 */
final class RedisFleet implements Fleet, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisFleet.class);
    /** How long a node that stopped beating stays listed (as gone) before its record expires. */
    static final Duration KEEP_GONE = Duration.ofHours(1);

    private static final long LARGE_QUEUE = 10_000;
    private static final Duration LARGE_QUEUE_LOOKUP = Duration.ofMinutes(1);

    private static final LuaScript BEAT = LuaScript.of("heartbeat", """
            local t = redis.call('TIME')
            local now = t[1] * 1000 + math.floor(t[2] / 1000)
            local nows = string.format('%d', now)
            redis.call('HSET', KEYS[2], 'version', ARGV[2], 'queue', ARGV[3], 'oldest_ms', ARGV[4], 'last_seen', nows)
            redis.call('PEXPIRE', KEYS[2], ARGV[5])
            redis.call('ZADD', KEYS[1], nows, ARGV[1])
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now - tonumber(ARGV[5])))
            local out = {nows}
            for _, n in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
              local h = redis.call('HMGET', ARGV[6] .. n, 'version', 'queue', 'oldest_ms', 'last_seen')
              if h[4] then
                table.insert(out, n)
                table.insert(out, h[1] or '')
                table.insert(out, h[2] or '0')
                table.insert(out, h[3] or '0')
                table.insert(out, h[4])
              end
            end
            return out
            """);

    private final RedisStore store;
    private final String version;
    private final Supplier<Spool> spool;
    private volatile List<FleetNode> nodes;
    private volatile FleetNode self;
    private volatile ScheduledFuture<?> beats;
    private Instant oldestReceived; // the timer thread only
    private Instant oldestLookedUp = Instant.EPOCH;

    RedisFleet(RedisStore store, String version, Supplier<Spool> spool) {
        this.store = store;
        this.version = version;
        this.spool = spool;
        this.self = new FleetNode(store.settings().nodeName(), version, 0, Duration.ZERO, Instant.now(), false);
        this.nodes = List.of(self);
    }

    void start() {
        long every = store.settings().heartbeat().toMillis();
        beats = store.timer().scheduleWithFixedDelay(this::beatQuietly, 0, every, TimeUnit.MILLISECONDS);
    }

    private void beatQuietly() {
        try {
            beat().toCompletableFuture().get(store.settings().heartbeat().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // the store logs the change of state; a beat that failed leaves the last round in place
            store.degraded("fleet");
            LOG.debug("redis: heartbeat failed: {}", e.toString());
        }
    }

    /** One heartbeat round; completes when this node's view is updated. */
    CompletionStage<List<FleetNode>> beat() {
        RedisSettings s = store.settings();
        long queue = 0;
        Duration oldest = Duration.ZERO;
        Spool q = spool.get();
        if (q != null) {
            try {
                queue = q.size();
                oldest = oldestAge(q, queue);
            } catch (RuntimeException e) {
                LOG.debug("redis: queue figures unknown for the heartbeat: {}", e.toString());
            }
        }
        String[] keys = {store.key("fleet"), store.key("fleet:node:" + s.nodeName())};
        long q0 = queue;
        Duration o0 = oldest;
        // a beat may take longer than a decision: it is on no one's path, and a slow one is no outage
        Duration deadline = s.heartbeat().dividedBy(2);
        return store.<List<Object>>evalWithin(
                        deadline,
                        BEAT,
                        ScriptOutputType.MULTI,
                        keys,
                        s.nodeName(),
                        version,
                        Long.toString(queue),
                        Long.toString(oldest.toMillis()),
                        Long.toString(KEEP_GONE.toMillis()),
                        store.key("fleet:node:"))
                .thenApply(reply -> {
                    List<FleetNode> round = parse(reply, s.nodeTimeout());
                    nodes = round;
                    self = round.stream()
                            .filter(n -> n.name().equals(s.nodeName()))
                            .findFirst()
                            .orElse(new FleetNode(s.nodeName(), version, q0, o0, Instant.now(), false));
                    return round;
                });
    }

    /**
     * Age of the oldest queued message. Listing a large queue costs, so beyond
     * {@link #LARGE_QUEUE} messages the oldest one is looked up once a minute, not every beat.
     */
    private Duration oldestAge(Spool q, long size) {
        Instant now = Instant.now();
        if (size == 0) {
            oldestReceived = null;
            return Duration.ZERO;
        }
        if (oldestReceived == null || size <= LARGE_QUEUE || now.isAfter(oldestLookedUp.plus(LARGE_QUEUE_LOOKUP))) {
            List<QueuedMessage> all = q.list();
            oldestReceived = all.isEmpty() ? null : all.get(0).envelope().receivedAt();
            oldestLookedUp = now;
        }
        if (oldestReceived == null) {
            return Duration.ZERO;
        }
        Duration age = Duration.between(oldestReceived, now);
        return age.isNegative() ? Duration.ZERO : age;
    }

    static List<FleetNode> parse(List<Object> reply, Duration timeout) {
        long now = Long.parseLong(String.valueOf(reply.get(0)));
        List<FleetNode> out = new ArrayList<>();
        for (int i = 1; i + 4 < reply.size(); i += 5) {
            long lastSeen = Long.parseLong(String.valueOf(reply.get(i + 4)));
            out.add(new FleetNode(
                    String.valueOf(reply.get(i)),
                    String.valueOf(reply.get(i + 1)),
                    Long.parseLong(String.valueOf(reply.get(i + 2))),
                    Duration.ofMillis(Long.parseLong(String.valueOf(reply.get(i + 3)))),
                    Instant.ofEpochMilli(lastSeen),
                    now - lastSeen > timeout.toMillis()));
        }
        out.sort(Comparator.comparing(FleetNode::name));
        return List.copyOf(out);
    }

    @Override
    public FleetNode self() {
        return self;
    }

    @Override
    public List<FleetNode> nodes() {
        return nodes;
    }

    @Override
    public int liveNodes() {
        return (int) Math.max(1, nodes.stream().filter(n -> !n.gone()).count());
    }

    @Override
    public boolean storeReachable() {
        return store.reachable();
    }

    @Override
    public void close() {
        ScheduledFuture<?> b = beats;
        if (b != null) {
            b.cancel(false);
        }
    }
}
