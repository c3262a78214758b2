package org.karavel.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.fleet.SharedGreylist.Sighting;
import org.karavel.api.fleet.SharedGreylist.Verdict;
import org.karavel.testkit.RedisServer;

/**
 * The shared greylist decides as the embedded GreylistPolicy does (its test's cases, postgrey's
 * defaults: delay 300 s, window 2 days, max age 35 days, auto-whitelist after 5), seen from two nodes.
 */
class RedisGreylistTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final String NETWORK = "192.0.2.0/24";

    @TempDir
    static Path dir;

    static RedisServer redis;
    static int run;

    private Nodes nodes;
    private RedisGreylist nodeA;
    private RedisGreylist nodeB;
    private RedisStore storeA;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start(dir.resolve("redis"));
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    @BeforeEach
    void twoNodes() {
        nodes = new Nodes();
        String prefix = "g" + (++run) + ":";
        storeA = nodes.store(redis, "node-a.test", prefix, Map.of());
        RedisStore storeB = nodes.store(redis, "node-b.test", prefix, Map.of());
        nodeA = new RedisGreylist(storeA);
        nodeB = new RedisGreylist(storeB);
        await().atMost(Duration.ofSeconds(10)).until(() -> storeA.reachable() && storeB.reachable());
    }

    @AfterEach
    void close() throws Exception {
        nodes.close();
    }

    private static String triplet(String sender) {
        return NETWORK + "\0" + sender + "\0bob@rcpt.example";
    }

    private static Verdict decide(RedisGreylist node, String triplet, Instant now) throws Exception {
        return decide(node, triplet, now, 5);
    }

    private static Verdict decide(RedisGreylist node, String triplet, Instant now, int autoWhitelist) throws Exception {
        Sighting s = new Sighting(
                triplet, NETWORK, now, Duration.ofSeconds(300), Duration.ofDays(2), Duration.ofDays(35), autoWhitelist);
        return node.decide(s).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void aTripletGreylistedThroughOneNodePassesThroughTheOtherAfterTheDelay() throws Exception {
        String t = triplet("alice@sender.example");
        assertThat(decide(nodeA, t, T0)).isEqualTo(new Verdict(false, "new", 300));
        assertThat(decide(nodeB, t, T0.plusSeconds(120)))
                .as("an early retry keeps first-seen")
                .isEqualTo(new Verdict(false, "early", 180));
        assertThat(decide(nodeB, t, T0.plusMillis(299_500)).retryAfterSeconds())
                .as("rounded up, never 0")
                .isEqualTo(1);
        assertThat(decide(nodeB, t, T0.plusSeconds(300))).isEqualTo(new Verdict(true, "retry", 0));
        assertThat(decide(nodeA, t, T0.plus(Duration.ofDays(20)))).isEqualTo(new Verdict(true, "passed", 0));
    }

    @Test
    void aRetryAfterTheWindowStartsAgainAndTheEndOfTheWindowStillPasses() throws Exception {
        String late = triplet("late@sender.example");
        decide(nodeA, late, T0);
        Instant after = T0.plus(Duration.ofDays(2)).plusSeconds(1);
        assertThat(decide(nodeB, late, after)).isEqualTo(new Verdict(false, "new", 300));
        assertThat(decide(nodeA, late, after.plusSeconds(300)).pass()).isTrue();

        String edge = triplet("edge@sender.example");
        decide(nodeA, edge, T0);
        assertThat(decide(nodeB, edge, T0.plus(Duration.ofDays(2)))).isEqualTo(new Verdict(true, "retry", 0));
    }

    @Test
    void aPassedTripletUnseenForMaxAgeStartsAgain() throws Exception {
        String t = triplet("alice@sender.example");
        decide(nodeA, t, T0);
        decide(nodeA, t, T0.plusSeconds(300));
        assertThat(decide(nodeB, t, T0.plusSeconds(300).plus(Duration.ofDays(35)))
                        .pass())
                .isTrue();
        Instant gone = T0.plusSeconds(300).plus(Duration.ofDays(70)).plusSeconds(1);
        assertThat(decide(nodeB, t, gone)).isEqualTo(new Verdict(false, "new", 300));
    }

    @Test
    void aClientNetworkIsAutoWhitelistedAfterFivePassesCountedOncePerHour() throws Exception {
        for (int i = 0; i < 5; i++) {
            decide(nodeA, triplet("s" + i + "@sender.example"), T0);
        }
        Instant now = T0.plusSeconds(300);
        for (int i = 0; i < 5; i++) {
            assertThat(decide(i % 2 == 0 ? nodeA : nodeB, triplet("s" + i + "@sender.example"), now))
                    .isEqualTo(new Verdict(true, "retry", 0));
        }
        assertThat(redis.command("HGET", storeA.key("greylist:client:" + NETWORK), "passes"))
                .as("five passes within an hour count once")
                .isEqualTo("1");
        for (int hour = 1; hour <= 4; hour++) {
            now = now.plus(Duration.ofHours(1));
            decide(hour % 2 == 0 ? nodeA : nodeB, triplet("s0@sender.example"), now);
        }
        assertThat(redis.command("HGET", storeA.key("greylist:client:" + NETWORK), "passes"))
                .isEqualTo("5");
        String fresh = triplet("new@sender.example");
        assertThat(decide(nodeB, fresh, now)).isEqualTo(new Verdict(true, "auto", 0));
        assertThat(redis.command("EXISTS", storeA.key("greylist:triplet:" + fresh)))
                .isEqualTo("0");
    }

    @Test
    void autoWhitelistingOffCountsNothing() throws Exception {
        String t = triplet("alice@sender.example");
        decide(nodeA, t, T0, 0);
        assertThat(decide(nodeB, t, T0.plusSeconds(300), 0).pass()).isTrue();
        assertThat(redis.command("EXISTS", storeA.key("greylist:client:" + NETWORK)))
                .isEqualTo("0");
    }

    @Test
    void anAllowedTripletOrNetworkPassesOnEveryNode() throws Exception {
        nodeA.allow(NETWORK, "alice@sender.example", "bob@rcpt.example")
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        assertThat(decide(nodeB, triplet("alice@sender.example"), Instant.now()))
                .isEqualTo(new Verdict(true, "passed", 0));

        nodeB.allow(NETWORK, null, null).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(decide(nodeA, triplet("other@sender.example"), T0.plus(Duration.ofDays(400))))
                .isEqualTo(new Verdict(true, "whitelist", 0));
        assertThat(redis.command("PTTL", storeA.key("greylist:client:" + NETWORK)))
                .isEqualTo("-1");
    }

    @Test
    void aKilledRedisFailsTheDecisionQuicklySoThatTheGreylistFailsOpen() throws Exception {
        decide(nodeA, triplet("alice@sender.example"), T0);
        redis.kill();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> !storeA.reachable());
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> decide(nodeA, triplet("alice@sender.example"), T0.plusSeconds(10)))
                    .isInstanceOf(ExecutionException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
            assertThat(storeA.degradedCounts().count("greylist")).isEqualTo(1);
        } finally {
            redis.restart();
        }
        await().atMost(Duration.ofSeconds(20)).until(storeA::reachable);
        assertThat(decide(nodeB, triplet("alice@sender.example"), T0).pass())
                .as("Redis restarted empty: a triplet it forgot is new again")
                .isFalse();
    }
}
