package org.karavel.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.testkit.RedisServer;

class RedisCountersTest {
    @TempDir
    static Path dir;

    static RedisServer redis;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start(dir.resolve("redis"), 0, "karavel", "made-up-secret");
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    private static Map<String, Object> credentials() {
        return Map.of("user", "karavel", "password", "made-up-secret");
    }

    @Test
    void countsFromTwoNodesAddUpInOneWindow() throws Exception {
        try (Nodes nodes = new Nodes()) {
            RedisCounters a = new RedisCounters(nodes.store(redis, "node-a.test", "c1:", credentials()));
            RedisCounters b = new RedisCounters(nodes.store(redis, "node-b.test", "c1:", credentials()));
            await().atMost(Duration.ofSeconds(10)).until(() -> added(a, "auth:192.0.2.0/24", 0) == 0);

            List<CompletableFuture<Long>> all = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                all.add(a.add("auth:192.0.2.0/24", 1, Duration.ofMinutes(10)).toCompletableFuture());
                all.add(b.add("auth:192.0.2.0/24", 2, Duration.ofMinutes(10)).toCompletableFuture());
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            assertThat(all).extracting(CompletableFuture::join).doesNotHaveDuplicates();
            assertThat(b.get("auth:192.0.2.0/24").toCompletableFuture().get(5, TimeUnit.SECONDS))
                    .isEqualTo(150);
            assertThat(a.get("auth:unknown").toCompletableFuture().get(5, TimeUnit.SECONDS))
                    .isZero();

            long ttl = Long.parseLong(redis.command("PTTL", "c1:counter:auth:192.0.2.0/24"));
            assertThat(ttl).isBetween(1L, Duration.ofMinutes(10).toMillis());
        }
    }

    @Test
    void theWindowStartsAtTheFirstIncrementAndIsNotPushedOut() throws Exception {
        try (Nodes nodes = new Nodes()) {
            RedisCounters a = new RedisCounters(nodes.store(redis, "node-a.test", "c2:", credentials()));
            await().atMost(Duration.ofSeconds(10)).until(() -> added(a, "conn:198.51.100.7", 1) == 1);
            long first = Long.parseLong(redis.command("PTTL", "c2:counter:conn:198.51.100.7"));
            assertThat(added(a, "conn:198.51.100.7", 1)).isEqualTo(2);
            assertThat(a.add("conn:198.51.100.7", 1, Duration.ofHours(5))
                            .toCompletableFuture()
                            .get())
                    .isEqualTo(3);
            long later = Long.parseLong(redis.command("PTTL", "c2:counter:conn:198.51.100.7"));
            assertThat(first).isBetween(1L, 60_000L);
            assertThat(later).isLessThanOrEqualTo(first);
        }
    }

    @Test
    void aKilledRedisFailsTheStageQuicklyAndCountsItThenRecovers() throws Exception {
        try (Nodes nodes = new Nodes()) {
            RedisStore store = nodes.store(redis, "node-a.test", "c3:", credentials());
            RedisCounters a = new RedisCounters(store);
            await().atMost(Duration.ofSeconds(10)).until(() -> added(a, "k", 1) == 1);

            redis.kill();
            await().atMost(Duration.ofSeconds(10)).until(() -> !store.reachable());
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> a.add("k", 1, Duration.ofMinutes(1))
                            .toCompletableFuture()
                            .get(5, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
            assertThat(store.degradedCounts().count("counters")).isGreaterThanOrEqualTo(1);

            redis.restart();
            await().atMost(Duration.ofSeconds(20)).until(() -> added(a, "k", 5) == 5);
            assertThat(store.reachable()).isTrue();
        }
    }

    /** The count after adding, or -1 while the store does not answer. */
    private static long added(RedisCounters c, String key, long delta) {
        try {
            return c.add(key, delta, Duration.ofMinutes(1))
                    .toCompletableFuture()
                    .get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            return -1;
        }
    }
}
