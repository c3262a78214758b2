package org.karavel.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.testkit.RedisServer;

/** The store finds its master through a real Redis Sentinel, and follows it after a failover. */
class RedisSentinelTest {
    @TempDir
    Path dir;

    @Test
    void theStoreFindsTheMasterThroughSentinelAndFollowsAFailover() throws Exception {
        try (RedisServer master = RedisServer.start(dir.resolve("master"));
                RedisServer replica = RedisServer.startReplica(dir.resolve("replica"), master.port());
                RedisServer sentinel = RedisServer.startSentinel(dir.resolve("sentinel"), "m", master.port());
                Nodes nodes = new Nodes()) {
            assertThat(sentinel.command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "m"))
                    .isEqualTo("127.0.0.1\n" + master.port());
            RedisStore store = nodes.closeLater(new RedisStore(RedisSettings.from(Nodes.config(Map.of(
                    "sentinels", new String[] {"127.0.0.1:" + sentinel.port()},
                    "sentinel__master", "m",
                    "node__name", "node-s.test",
                    "key__prefix", "s1:")))));
            assertThat(store.settings().describe()).contains("sentinels [127.0.0.1:" + sentinel.port() + "] master m");
            RedisCounters counters = new RedisCounters(store);
            await().atMost(Duration.ofSeconds(15)).until(() -> added(counters, 2) == 2);
            assertThat(master.command("GET", "s1:counter:k")).isEqualTo("2");

            // the sentinel learns of the replica from the master's INFO (every 10 s at most)
            await().atMost(Duration.ofSeconds(20))
                    .until(() ->
                            sentinel.command("SENTINEL", "REPLICAS", "m").contains(String.valueOf(replica.port())));
            await().atMost(Duration.ofSeconds(10)).until(() -> "2".equals(replica.command("GET", "s1:counter:k")));
            master.kill();
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> sentinel.command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "m")
                            .equals("127.0.0.1\n" + replica.port()));
            // the store reconnects through the sentinel to the promoted replica, with the count kept
            long[] last = {-1};
            await().atMost(Duration.ofSeconds(20)).until(() -> (last[0] = added(counters, 3)) >= 5);
            assertThat(replica.command("GET", "s1:counter:k")).isEqualTo(String.valueOf(last[0]));
            assertThat(replica.command("ROLE")).startsWith("master");
            assertThat(store.reachable()).isTrue();
        }
    }

    /** The count after adding, or -1 while the store does not answer. */
    private static long added(RedisCounters c, long delta) {
        try {
            return c.add("k", delta, Duration.ofMinutes(5))
                    .toCompletableFuture()
                    .get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            return -1;
        }
    }
}
