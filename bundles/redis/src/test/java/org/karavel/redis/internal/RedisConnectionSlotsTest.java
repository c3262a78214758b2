package org.karavel.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.shaping.ConnectionSlots.Slot;
import org.karavel.testkit.RedisServer;

/** Slot stores on two (or three) stores play the nodes of a fleet sharing a site's max_connections. */
class RedisConnectionSlotsTest {
    private static final Map<String, Object> FAST = Map.of("heartbeat__seconds", 1, "node__timeout__seconds", 3);

    @TempDir
    static Path dir;

    static RedisServer redis;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start(dir.resolve("redis"));
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    @Test
    void twoNodesWithALimitOfTwoHoldTwoSlotsInAllAndAReleaseFreesOne() throws Exception {
        try (Nodes nodes = new Nodes()) {
            RedisStore a = nodes.store(redis, "node-a.test", "s1:", Map.of());
            RedisStore b = nodes.store(redis, "node-b.test", "s1:", Map.of());
            RedisConnectionSlots slotsA = slots(nodes, a);
            RedisConnectionSlots slotsB = slots(nodes, b);
            await().atMost(Duration.ofSeconds(10)).until(() -> a.reachable() && b.reachable());

            Slot first = slotsA.tryAcquire("site:made-up", 2, Duration.ZERO).orElseThrow();
            Slot second = slotsB.tryAcquire("site:made-up", 2, Duration.ZERO).orElseThrow();
            assertThat(slotsA.tryAcquire("site:made-up", 2, Duration.ZERO)).isEmpty();
            assertThat(slotsB.tryAcquire("site:made-up", 2, Duration.ZERO)).isEmpty();
            assertThat(redis.command("ZCARD", "s1:slots:site:made-up")).isEqualTo("2");
            // another site has slots of its own
            assertThat(slotsB.tryAcquire("site:other", 1, Duration.ZERO)).isPresent();

            first.close();
            first.close();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> "1".equals(redis.command("ZCARD", "s1:slots:site:made-up")));
            Slot third = slotsB.tryAcquire("site:made-up", 2, Duration.ZERO).orElseThrow();
            assertThat(slotsA.tryAcquire("site:made-up", 2, Duration.ZERO)).isEmpty();
            assertThat(slotsB.heldCount()).isEqualTo(3);
            assertThat(metric(slotsA, "karavel_redis_connection_slots_refused_total"))
                    .isEqualTo(2);

            second.close();
            third.close();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> "0".equals(redis.command("ZCARD", "s1:slots:site:made-up")));
            assertThat(a.degradedCounts().count("connection_slots")).isZero();
            assertThat(b.degradedCounts().count("connection_slots")).isZero();
        }
    }

    @Test
    void aLiveHoldersLeaseIsRenewedAndAStoppedHoldersSlotsExpire() throws Exception {
        try (Nodes nodes = new Nodes()) {
            RedisStore a = nodes.store(redis, "node-a.test", "s2:", FAST);
            RedisStore b = nodes.store(redis, "node-b.test", "s2:", FAST);
            RedisStore c = nodes.store(redis, "node-c.test", "s2:", FAST);
            RedisConnectionSlots slotsA = new RedisConnectionSlots(a, new RedisFleet(a, "1", () -> null));
            RedisConnectionSlots slotsB = slots(nodes, b);
            RedisConnectionSlots slotsC = slots(nodes, c);
            await().atMost(Duration.ofSeconds(10)).until(() -> a.reachable() && b.reachable() && c.reachable());

            assertThat(slotsA.tryAcquire("site:crash", 2, Duration.ZERO)).isPresent();
            assertThat(slotsC.tryAcquire("site:crash", 2, Duration.ZERO)).isPresent();
            assertThat(slotsB.tryAcquire("site:crash", 2, Duration.ZERO)).isEmpty();
            String cHolder = holderOf("s2:slots:site:crash", "node-c.test/");
            long leaseEnd = Long.parseLong(redis.command("ZSCORE", "s2:slots:site:crash", cHolder));

            // node A crashes: nothing is given back, its renewals stop
            slotsA.close();
            a.close();
            await().atMost(Duration.ofSeconds(20))
                    .until(() ->
                            slotsB.tryAcquire("site:crash", 2, Duration.ZERO).isPresent());
            // node C kept renewing: its lease now ends later than the one it was given, and it still holds it
            assertThat(Long.parseLong(redis.command("ZSCORE", "s2:slots:site:crash", cHolder)))
                    .isGreaterThan(leaseEnd);
            assertThat(redis.command("ZCARD", "s2:slots:site:crash")).isEqualTo("2");
            assertThat(redis.command("ZRANGE", "s2:slots:site:crash", "0", "-1"))
                    .doesNotContain("node-a.test/");
        }
    }

    @Test
    void aLimitLoweredByAReactionOnOneNodeHoldsForEveryNodeUntilItEnds() throws Exception {
        try (Nodes nodes = new Nodes()) {
            RedisStore a = nodes.store(redis, "node-a.test", "s3:", Map.of());
            RedisStore b = nodes.store(redis, "node-b.test", "s3:", Map.of());
            RedisConnectionSlots slotsA = slots(nodes, a);
            RedisConnectionSlots slotsB = slots(nodes, b);
            await().atMost(Duration.ofSeconds(10)).until(() -> a.reachable() && b.reachable());

            // A got the receiver's "too many connections" and lowered the site to 1 for an hour
            assertThat(slotsA.tryAcquire("site:outlook", 1, Duration.ofHours(1)))
                    .isPresent();
            // B knows only the rule's 3
            assertThat(slotsB.tryAcquire("site:outlook", 3, Duration.ZERO)).isEmpty();
            long ttl = Long.parseLong(redis.command("PTTL", "s3:slots.lowered:site:outlook"));
            assertThat(ttl)
                    .isBetween(
                            Duration.ofMinutes(59).toMillis(),
                            Duration.ofHours(1).toMillis());
            // a higher lowering elsewhere does not raise it
            assertThat(slotsB.tryAcquire("site:outlook", 2, Duration.ofMinutes(5)))
                    .isEmpty();
            assertThat(redis.command("GET", "s3:slots.lowered:site:outlook")).isEqualTo("1");

            // the lowering ends (as its expiry would): the rule's limit again
            redis.command("DEL", "s3:slots.lowered:site:outlook");
            assertThat(slotsB.tryAcquire("site:outlook", 3, Duration.ZERO)).isPresent();
            assertThat(slotsB.tryAcquire("site:outlook", 3, Duration.ZERO)).isPresent();
            assertThat(slotsB.tryAcquire("site:outlook", 3, Duration.ZERO)).isEmpty();
        }
    }

    @Test
    void aKilledRedisMeansThisNodesShareAndTheSlotsHeldAreWrittenBackAfterARestart() throws Exception {
        try (Nodes nodes = new Nodes()) {
            RedisStore a = nodes.store(redis, "node-a.test", "s4:", FAST);
            RedisStore b = nodes.store(redis, "node-b.test", "s4:", FAST);
            RedisFleet fleetA = nodes.closeLater(new RedisFleet(a, "1", () -> null));
            RedisFleet fleetB = nodes.closeLater(new RedisFleet(b, "1", () -> null));
            fleetA.start();
            fleetB.start();
            RedisConnectionSlots slotsA = nodes.closeLater(new RedisConnectionSlots(a, fleetA));
            RedisConnectionSlots slotsB = nodes.closeLater(new RedisConnectionSlots(b, fleetB));
            await().atMost(Duration.ofSeconds(10)).until(() -> fleetA.liveNodes() == 2);

            redis.kill();
            await().atMost(Duration.ofSeconds(10)).until(() -> !a.reachable());
            // a limit of 5 on two live nodes: this node's share is 2, without an exception
            List<Slot> mine = new ArrayList<>();
            mine.add(slotsA.tryAcquire("site:down", 5, Duration.ZERO).orElseThrow());
            mine.add(slotsA.tryAcquire("site:down", 5, Duration.ZERO).orElseThrow());
            assertThat(slotsA.tryAcquire("site:down", 5, Duration.ZERO)).isEmpty();
            // a limit of 1 still gives one
            Optional<Slot> single = slotsA.tryAcquire("site:single", 1, Duration.ZERO);
            assertThat(single).isPresent();
            assertThat(a.degradedCounts().count("connection_slots")).isEqualTo(4);
            mine.get(1).close();
            mine.set(1, slotsA.tryAcquire("site:down", 5, Duration.ZERO).orElseThrow());

            redis.restart();
            await().atMost(Duration.ofSeconds(20)).until(() -> a.reachable() && b.reachable());
            // the restarted, empty Redis learns the slots A holds (renewals write them back)
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> "2".equals(redis.command("ZCARD", "s4:slots:site:down")));
            assertThat(redis.command("ZCARD", "s4:slots:site:single")).isEqualTo("1");
            // the fleet's count again: B gets the 3 slots left of 5
            for (int i = 0; i < 3; i++) {
                assertThat(slotsB.tryAcquire("site:down", 5, Duration.ZERO)).isPresent();
            }
            assertThat(slotsB.tryAcquire("site:down", 5, Duration.ZERO)).isEmpty();
            assertThat(b.degradedCounts().count("connection_slots")).isZero();
            mine.forEach(Slot::close);
            single.orElseThrow().close();
            await().atMost(Duration.ofSeconds(5)).until(() -> "3".equals(redis.command("ZCARD", "s4:slots:site:down")));
        }
    }

    private static RedisConnectionSlots slots(Nodes nodes, RedisStore store) {
        RedisFleet fleet = nodes.closeLater(new RedisFleet(store, "1", () -> null));
        return nodes.closeLater(new RedisConnectionSlots(store, fleet));
    }

    /** The holder in the key whose name starts so. */
    private static String holderOf(String key, String start) throws Exception {
        for (String h : redis.command("ZRANGE", key, "0", "-1").split("\n")) {
            if (h.trim().startsWith(start)) {
                return h.trim();
            }
        }
        throw new AssertionError("no holder " + start + "… in " + key);
    }

    private static double metric(RedisConnectionSlots slots, String name) {
        return slots.metrics().stream()
                .filter(m -> m.name().equals(name))
                .findFirst()
                .orElseThrow()
                .samples()
                .get(0)
                .value();
    }
}
