package org.karavel.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.address.MailAddress;
import org.karavel.api.fleet.FleetNode;
import org.karavel.api.queue.Envelope;
import org.karavel.testkit.MemorySpool;
import org.karavel.testkit.RedisServer;

class RedisFleetTest {
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
    void bothNodesAreListedAndAStoppedOneIsGone() throws Exception {
        Map<String, Object> fast = Map.of("heartbeat__seconds", 1, "node__timeout__seconds", 2);
        try (Nodes nodes = new Nodes()) {
            RedisStore a = nodes.store(redis, "node-a.test", "fleet1:", fast);
            RedisStore b = nodes.store(redis, "node-b.test", "fleet1:", fast);
            RedisFleet fleetA = nodes.closeLater(new RedisFleet(a, "1.2.3", () -> null));
            RedisFleet fleetB = new RedisFleet(b, "1.2.4", () -> null);
            fleetA.start();
            fleetB.start();

            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(fleetA.nodes())
                            .extracting(FleetNode::name, FleetNode::version, FleetNode::gone)
                            .containsExactly(
                                    tuple("node-a.test", "1.2.3", false), tuple("node-b.test", "1.2.4", false)));
            assertThat(fleetA.liveNodes()).isEqualTo(2);
            assertThat(fleetA.self().name()).isEqualTo("node-a.test");
            assertThat(fleetA.storeReachable()).isTrue();

            fleetB.close();
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(fleetA.nodes())
                            .filteredOn(n -> n.name().equals("node-b.test"))
                            .singleElement()
                            .extracting(FleetNode::gone)
                            .isEqualTo(true));
            assertThat(fleetA.liveNodes()).isEqualTo(1);
            assertThat(fleetA.nodes()).extracting(FleetNode::name).contains("node-b.test");
        }
    }

    @Test
    void aKilledRedisLeavesTheLastRoundAndRecovers() throws Exception {
        Map<String, Object> fast = Map.of("heartbeat__seconds", 1, "node__timeout__seconds", 3);
        try (Nodes nodes = new Nodes()) {
            RedisStore a = nodes.store(redis, "node-a.test", "fleet2:", fast);
            RedisStore b = nodes.store(redis, "node-b.test", "fleet2:", fast);
            RedisFleet fleetA = nodes.closeLater(new RedisFleet(a, "1", () -> null));
            RedisFleet fleetB = nodes.closeLater(new RedisFleet(b, "1", () -> null));
            fleetA.start();
            fleetB.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> fleetA.liveNodes() == 2);

            redis.kill();
            await().atMost(Duration.ofSeconds(10)).until(() -> !fleetA.storeReachable());
            assertThat(fleetA.liveNodes()).as("the last round seen").isEqualTo(2);
            assertThat(a.degradedCounts().count("fleet")).isGreaterThanOrEqualTo(0);

            redis.restart();
            await().atMost(Duration.ofSeconds(20)).until(fleetA::storeReachable);
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(fleetA.nodes())
                            .extracting(FleetNode::name)
                            .containsExactly("node-a.test", "node-b.test"));
        }
    }

    @Test
    void theHeartbeatCarriesTheQueueSizeAndTheOldestMessagesAge() throws Exception {
        try (Nodes nodes = new Nodes();
                MemorySpool spool = new MemorySpool()) {
            spool.queue(
                    new Envelope(
                            MailAddress.parse("app@sender.example"),
                            List.of(MailAddress.parse("bob@rcpt.example")),
                            Map.of(),
                            Instant.now().minusSeconds(90),
                            "192.0.2.10",
                            "client.example",
                            "mx",
                            ""),
                    "Subject: queued\r\n\r\nbody\r\n");
            RedisStore a = nodes.store(redis, "node-a.test", "fleet3:", Map.of());
            RedisFleet fleet = nodes.closeLater(new RedisFleet(a, "1", () -> spool));
            await().atMost(Duration.ofSeconds(10)).until(a::reachable);
            FleetNode self =
                    fleet.beat().toCompletableFuture().get(5, TimeUnit.SECONDS).get(0);
            assertThat(self.queueSize()).isEqualTo(1);
            assertThat(self.oldestMessageAge()).isBetween(Duration.ofSeconds(89), Duration.ofSeconds(120));
            assertThat(redis.command("HGET", "fleet3:fleet:node:node-a.test", "queue"))
                    .isEqualTo("1");
            long ttl = Long.parseLong(redis.command("PTTL", "fleet3:fleet:node:node-a.test"));
            assertThat(ttl).isBetween(1L, RedisFleet.KEEP_GONE.toMillis());
            assertThat(fleet.self()).isEqualTo(self);
        }
    }
}
