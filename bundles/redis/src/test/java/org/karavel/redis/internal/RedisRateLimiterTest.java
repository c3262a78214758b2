package org.karavel.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.shaping.Rate;
import org.karavel.api.shaping.RateLimiter.Admission;
import org.karavel.testkit.RedisServer;

/** Two limiters on two stores play two nodes sharing one budget. */
class RedisRateLimiterTest {
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
    void oneBudgetHoldsAcrossTwoNodes() throws Exception {
        try (Nodes nodes = new Nodes()) {
            RedisStore a = nodes.store(redis, "node-a.test", "r1:", Map.of());
            RedisStore b = nodes.store(redis, "node-b.test", "r1:", Map.of());
            RedisFleet fleetA = nodes.closeLater(new RedisFleet(a, "1", () -> null));
            RedisFleet fleetB = nodes.closeLater(new RedisFleet(b, "1", () -> null));
            RedisRateLimiter limiterA = nodes.closeLater(new RedisRateLimiter(a, fleetA));
            RedisRateLimiter limiterB = nodes.closeLater(new RedisRateLimiter(b, fleetB));
            await().atMost(Duration.ofSeconds(10)).until(() -> a.reachable() && b.reachable());

            // 120/min with a burst of 10: at most 10 at once, then one every 500 ms, whoever asks
            Rate rate = Rate.parse("120/min");
            int admitted = 0;
            Instant retryAt = null;
            long started = System.nanoTime();
            for (int i = 0; i < 40; i++) {
                Admission x = (i % 2 == 0 ? limiterA : limiterB).tryAcquire("site:made-up", rate, 10, Instant.now());
                if (x.admitted()) {
                    admitted++;
                } else if (retryAt == null) {
                    retryAt = x.retryAt();
                }
            }
            // a loaded machine may take seconds for the 40 round trips: the rate gives one more per 500 ms
            // of them; two separate budgets would have given 20
            long refilled = Duration.ofNanos(System.nanoTime() - started).toMillis() / 500 + 1;
            assertThat(refilled).as("40 round trips took under 4 s").isLessThan(9);
            assertThat(admitted)
                    .as("a burst of 10, plus what the rate gave meanwhile")
                    .isBetween(10, 10 + (int) refilled);
            assertThat(retryAt).isNotNull();
            assertThat(Duration.between(Instant.now(), retryAt)).isLessThanOrEqualTo(Duration.ofMillis(500));
            Admission peeked = limiterB.peek("site:made-up", rate, 10, Instant.now());
            if (!peeked.admitted()) {
                assertThat(Duration.between(Instant.now(), peeked.retryAt()))
                        .isLessThanOrEqualTo(Duration.ofMillis(500));
            }
            assertThat(a.degradedCounts().count("rate_limiter")).isZero();

            // the rate refills the budget for both: one event every 500 ms
            await().atMost(Duration.ofSeconds(3))
                    .until(() -> limiterB.tryAcquire("site:made-up", rate, 10, Instant.now())
                            .admitted());
        }
    }

    @Test
    void aKilledRedisMeansThisNodesShareWithoutAnExceptionAndTheSharedBudgetAfterARestart() throws Exception {
        Map<String, Object> fast = Map.of("heartbeat__seconds", 1, "node__timeout__seconds", 3);
        try (Nodes nodes = new Nodes()) {
            RedisStore a = nodes.store(redis, "node-a.test", "r2:", fast);
            RedisStore b = nodes.store(redis, "node-b.test", "r2:", fast);
            RedisFleet fleetA = nodes.closeLater(new RedisFleet(a, "1", () -> null));
            RedisFleet fleetB = nodes.closeLater(new RedisFleet(b, "1", () -> null));
            fleetA.start();
            fleetB.start();
            RedisRateLimiter limiterA = nodes.closeLater(new RedisRateLimiter(a, fleetA));
            await().atMost(Duration.ofSeconds(10)).until(() -> fleetA.liveNodes() == 2);

            redis.kill();
            await().atMost(Duration.ofSeconds(10)).until(() -> !a.reachable());
            // 6/h, burst 4, two live nodes: this node's share is 3/h with a burst of 2
            Rate rate = Rate.parse("6/h");
            Instant now = Instant.now();
            assertThat(limiterA.tryAcquire("source:192.0.2.10", rate, 4, now).admitted())
                    .isTrue();
            assertThat(limiterA.tryAcquire("source:192.0.2.10", rate, 4, now).admitted())
                    .isTrue();
            Admission third = limiterA.tryAcquire("source:192.0.2.10", rate, 4, now);
            assertThat(third.admitted()).isFalse();
            assertThat(Duration.between(now, third.retryAt())).isEqualTo(Duration.ofMinutes(20));
            assertThat(a.degradedCounts().count("rate_limiter")).isEqualTo(3);

            redis.restart();
            await().atMost(Duration.ofSeconds(20)).until(a::reachable);
            // the shared budget again: a fresh key in Redis allows the whole burst of 4
            for (int i = 0; i < 4; i++) {
                assertThat(limiterA.tryAcquire("source:192.0.2.10", rate, 4, Instant.now())
                                .admitted())
                        .isTrue();
            }
            assertThat(limiterA.tryAcquire("source:192.0.2.10", rate, 4, Instant.now())
                            .admitted())
                    .isFalse();
            assertThat(redis.command("EXISTS", "r2:rate:source:192.0.2.10")).isEqualTo("1");
        }
    }
}
