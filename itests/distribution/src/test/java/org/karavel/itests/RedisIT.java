package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.karavel.testkit.RedisServer;

/**
 * The redis bundle in the running distribution, against a real redis-server on loopback with an ACL
 * user whose password comes through the secret interpolation: nothing shared until
 * etc/org.karavel.redis.cfg names it, then the node's heartbeat, the shared rate limiter and
 * suppression list picked over the embedded ones, mail flowing while Redis is killed (the metrics
 * say degraded), and sharing again once it is back.
 */
public class RedisIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String CFG = "org.karavel.redis.cfg";
    private static final String PREFIX = "it:";
    private static RedisServer redis;
    private static LoopbackMx mx;
    private static Distribution karavel;

    @BeforeClass
    public static void boot() throws Exception {
        redis = RedisServer.start(Files.createTempDirectory("karavel-redis-it"), 0, "karavel", "made-up-password");
        mx = LoopbackMx.start("redis", LoopbackMx.RELAY_FROM_LOOPBACK);
        karavel = mx.karavel;
    }

    @AfterClass
    public static void stop() throws Exception {
        Distribution.closeAll(mx, redis);
    }

    @Test
    public void sharesOnlyWhileConfiguredAndKeepsMailFlowingWithoutRedis() throws Exception {
        // installed, but with the shipped file (every key commented) nothing is published
        assertEquals(-1.0, MetricsText.read(karavel.adminPort(), "karavel_redis_up"), 0.0);
        assertTrue(karavel.log().contains("redis: no uri and no sentinels"));
        String before = service("org.karavel.api.fleet.Fleet");
        assertFalse(before, before.contains("karavel.store = redis"));

        Path secrets = Files.createDirectories(karavel.home().resolve("etc/secrets"));
        Files.writeString(secrets.resolve("redis-it"), "made-up-password");
        karavel.configure(
                CFG,
                Map.of(
                        "uri", redis.uri(),
                        "user", "karavel",
                        "password", "$[secret:redis-it]",
                        "node_name", "itest-node-a",
                        "heartbeat_seconds", "1",
                        "node_timeout_seconds", "4",
                        "key_prefix", PREFIX));
        Poll.until("karavel_redis_up 1", WAIT, () -> MetricsText.read(karavel.adminPort(), "karavel_redis_up") == 1);
        Poll.until(
                "the heartbeat in Redis",
                WAIT,
                () -> redisSays("ZRANGE", PREFIX + "fleet", "0", "-1").contains("itest-node-a"));
        assertEquals("0", redis.command("HGET", PREFIX + "fleet:node:itest-node-a", "queue"));

        String limiters = service("org.karavel.api.shaping.RateLimiter");
        assertTrue(limiters, limiters.contains("karavel.store = redis"));
        AdminHttp.Response added = new AdminHttp(karavel.adminPort())
                .post("/api/v1/suppression", "{\"address\":\"shared@remote.test\",\"reason\":\"asked\"}");
        assertTrue(added.body(), added.status() / 100 == 2);
        assertEquals("1", redis.command("HEXISTS", PREFIX + "suppression", "shared@remote.test"));

        redis.kill();
        Poll.until("karavel_redis_up 0", WAIT, () -> MetricsText.read(karavel.adminPort(), "karavel_redis_up") == 0);
        assertTrue(mx.send("during@localhost", "Subject: redis down\r\n\r\nstill flowing\r\n")
                .startsWith("250"));
        Poll.until("the message in its Maildir", WAIT, () -> delivered("during"));
        assertTrue(karavel.log().contains("unreachable"));

        redis.restart();
        Poll.until(
                "karavel_redis_up 1 again", WAIT, () -> MetricsText.read(karavel.adminPort(), "karavel_redis_up") == 1);
        Poll.until(
                "the heartbeat again",
                WAIT,
                () -> redisSays("ZRANGE", PREFIX + "fleet", "0", "-1").contains("itest-node-a"));
        Poll.until(
                "the suppression list written back",
                WAIT,
                () -> "1".equals(redisSays("HEXISTS", PREFIX + "suppression", "shared@remote.test")));
        assertFalse(karavel.log().contains("password = made-up-password"));
    }

    /** Redis's answer, or "" while it cannot be asked. */
    private static String redisSays(String... command) {
        try {
            String answer = redis.command(command);
            return answer == null ? "" : answer;
        } catch (IOException e) {
            return "";
        }
    }

    private static String service(String type) throws IOException, InterruptedException {
        return KarafClient.run(karavel.home(), "service:list " + type).output();
    }

    private static boolean delivered(String user) {
        Path inbox = karavel.data().resolve("mail/localhost/" + user + "/new");
        try (Stream<Path> files = Files.list(inbox)) {
            return files.findAny().isPresent();
        } catch (IOException e) {
            return false;
        }
    }
}
