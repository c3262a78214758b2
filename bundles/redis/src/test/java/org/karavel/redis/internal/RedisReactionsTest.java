package org.karavel.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.shaping.Rate;
import org.karavel.api.shaping.ShapingAction;
import org.karavel.api.shaping.ShapingAction.Kind;
import org.karavel.testkit.RedisServer;

/** The fleet's reactions in a real redis-server: what one node publishes, another reads. */
class RedisReactionsTest {
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

    private static List<ShapingAction> active(RedisReactions r, Instant now) throws Exception {
        return r.active(now).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void anActionPublishedByOneNodeIsReadByAnotherUntilItEnds() throws Exception {
        try (Nodes nodes = new Nodes()) {
            RedisStore storeA = nodes.store(redis, "node-a.test", "r1:", Map.of());
            RedisReactions a = new RedisReactions(storeA);
            RedisReactions b = new RedisReactions(nodes.store(redis, "node-b.test", "r1:", Map.of()));
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            ShapingAction suspend = new ShapingAction(
                    "gmail", Kind.SUSPEND, null, 0, now.plus(Duration.ofHours(1)), "421 4.7.28\tslow\r\ndown", "r:2");
            ShapingAction rate = new ShapingAction(
                    "yahoo", Kind.RATE, Rate.parse("20/min"), 0, now.plusSeconds(2), "421 [TSS04]", "r:3");
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
                a.publish(suspend).toCompletableFuture().get(5, TimeUnit.SECONDS);
                return true;
            });
            a.publish(rate).toCompletableFuture().get(5, TimeUnit.SECONDS);

            assertThat(active(b, now))
                    .containsExactlyInAnyOrder(
                            new ShapingAction(
                                    "gmail", Kind.SUSPEND, null, 0, suspend.until(), "421 4.7.28 slow  down", "r:2"),
                            rate);
            // one field per node, site and kind; the hash outlives its last action by a minute only
            assertThat(redis.command("HLEN", "r1:reactions")).isEqualTo("2");
            long ttl = Long.parseLong(redis.command("PTTL", "r1:reactions"));
            assertThat(ttl)
                    .isBetween(
                            Duration.ofMinutes(60).toMillis(),
                            Duration.ofMinutes(61).toMillis());

            // once the rate has ended, readers leave it out; its field goes with the next publication
            Instant later = now.plusSeconds(3);
            assertThat(active(b, later)).extracting(ShapingAction::kind).containsExactly(Kind.SUSPEND);
            assertThat(redis.command("HLEN", "r1:reactions")).isEqualTo("2");
            await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(rate.until()));
            a.publish(suspend).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(redis.command("HLEN", "r1:reactions")).isEqualTo("1");
            assertThat(redis.command("HEXISTS", "r1:reactions", "suspend gmail node-a.test"))
                    .isEqualTo("1");
        }
    }

    @Test
    void twoNodesActingOnOneSiteKeepAFieldEach() throws Exception {
        try (Nodes nodes = new Nodes()) {
            RedisReactions a = new RedisReactions(nodes.store(redis, "node-a.test", "r2:", Map.of()));
            RedisReactions b = new RedisReactions(nodes.store(redis, "node-b.test", "r2:", Map.of()));
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            ShapingAction fromA =
                    new ShapingAction("outlook", Kind.CONNECTIONS, null, 2, now.plusSeconds(600), "451", "r");
            ShapingAction fromB =
                    new ShapingAction("outlook", Kind.CONNECTIONS, null, 1, now.plusSeconds(300), "451", "r");
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
                a.publish(fromA).toCompletableFuture().get(5, TimeUnit.SECONDS);
                b.publish(fromB).toCompletableFuture().get(5, TimeUnit.SECONDS);
                return true;
            });
            assertThat(active(a, now)).containsExactlyInAnyOrder(fromA, fromB);
        }
    }

    @Test
    void anUnreachableStoreFailsTheCallAndCountsTheDegradedService() throws Exception {
        try (Nodes nodes = new Nodes()) {
            RedisServer gone = RedisServer.start(dir.resolve("gone"));
            RedisStore store = nodes.store(gone, "node-a.test", "r3:", Map.of());
            gone.close();
            RedisReactions r = new RedisReactions(store);
            assertThatThrownBy(() -> active(r, Instant.now())).isInstanceOf(ExecutionException.class);
            assertThat(store.degradedCounts().count("reactions")).isGreaterThanOrEqualTo(1);
        }
    }
}
