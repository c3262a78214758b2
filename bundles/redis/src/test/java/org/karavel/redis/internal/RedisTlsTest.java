package org.karavel.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.testkit.RedisServer;
import org.karavel.testkit.TestCertificates;

/** rediss:// against a real redis-server that speaks only TLS, with a certificate made here. */
class RedisTlsTest {
    @TempDir
    static Path dir;

    static TestCertificates ca;
    static RedisServer redis;

    @BeforeAll
    static void start() throws Exception {
        ca = TestCertificates.authority("Karavel Redis Test CA");
        redis = RedisServer.startTls(dir.resolve("redis"), ca.issue("127.0.0.1", "localhost"), ca);
        Files.writeString(dir.resolve("ca.pem"), ca.pem(), StandardCharsets.US_ASCII);
        Files.writeString(
                dir.resolve("other-ca.pem"),
                TestCertificates.authority("Someone Else").pem(),
                StandardCharsets.US_ASCII);
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    private static RedisStore store(Nodes nodes, String prefix, String caFile) {
        Map<String, Object> values = new HashMap<>();
        values.put("uri", redis.uri());
        values.put("node__name", "node-tls.test");
        values.put("key__prefix", prefix);
        if (caFile != null) {
            values.put("tls__ca__file", caFile);
        }
        RedisStore s = new RedisStore(RedisSettings.from(Nodes.config(values)));
        return nodes.closeLater(s);
    }

    @Test
    void theStoreConnectsOverTlsWhenItTrustsTheServersCa() throws Exception {
        assertThat(redis.uri()).startsWith("rediss://127.0.0.1:");
        try (Nodes nodes = new Nodes()) {
            RedisStore store = store(nodes, "tls1:", dir.resolve("ca.pem").toString());
            assertThat(store.settings().uri().isSsl()).isTrue();
            RedisCounters counters = new RedisCounters(store);
            await().atMost(Duration.ofSeconds(15)).until(store::reachable);
            assertThat(counters.add("auth:192.0.2.0/24", 3, Duration.ofMinutes(1))
                            .toCompletableFuture()
                            .get(5, TimeUnit.SECONDS))
                    .isEqualTo(3);
            assertThat(counters.get("auth:192.0.2.0/24").toCompletableFuture().get(5, TimeUnit.SECONDS))
                    .isEqualTo(3);
            // written through TLS, read back by the test's own TLS client
            assertThat(redis.command("GET", "tls1:counter:auth:192.0.2.0/24")).isEqualTo("3");
            assertThat(redis.command("INFO", "server")).contains("redis_mode:standalone");
        }
    }

    @Test
    void theStoreRefusesAServerWhoseCaItDoesNotTrust() throws Exception {
        try (Nodes nodes = new Nodes()) {
            // the JVM's trust store does not know the test CA, and neither does the other CA's file: PKIX fails
            RedisStore jvmTrust = store(nodes, "tls2:", null);
            RedisStore otherCa =
                    store(nodes, "tls3:", dir.resolve("other-ca.pem").toString());
            await().atMost(Duration.ofSeconds(15))
                    .untilAsserted(() -> assertThat(List.of(jvmTrust.lastProblem(), otherCa.lastProblem()))
                            .allMatch(p -> p.contains("certification path"), "a PKIX failure"));
            assertThat(jvmTrust.reachable()).isFalse();
            assertThat(otherCa.reachable()).isFalse();
            assertThat(new RedisCounters(otherCa)
                            .add("k", 1, Duration.ofMinutes(1))
                            .toCompletableFuture()
                            .handle((v, e) -> e != null)
                            .get(5, TimeUnit.SECONDS))
                    .isTrue();
            assertThat(redis.command("EXISTS", "tls3:counter:k")).isEqualTo("0");
        }
    }

    @Test
    void theStoreRefusesATrustedCertificateForAnotherName() throws Exception {
        try (RedisServer elsewhere = RedisServer.startTls(dir.resolve("elsewhere"), ca.issue("redis.example"), ca);
                Nodes nodes = new Nodes()) {
            Map<String, Object> values = Map.of(
                    "uri", elsewhere.uri(),
                    "key__prefix", "tls4:",
                    "tls__ca__file", dir.resolve("ca.pem").toString());
            RedisStore store = nodes.closeLater(new RedisStore(RedisSettings.from(Nodes.config(values))));
            // the chain is trusted but the certificate does not name 127.0.0.1: verification is full
            await().atMost(Duration.ofSeconds(15))
                    .untilAsserted(() -> assertThat(store.lastProblem())
                            .contains("No subject alternative names matching IP address 127.0.0.1"));
            assertThat(store.reachable()).isFalse();
            assertThat(elsewhere.answersPing()).isTrue(); // the server is up: only the name is wrong
        }
    }

    @Test
    void anUnreadableCaFileLeavesRedisUnused() {
        Map<String, Object> values = Map.of(
                "uri", redis.uri(), "tls__ca__file", dir.resolve("missing.pem").toString());
        assertThat(RedisSettings.from(Nodes.config(values)).configured()).isFalse();
    }
}
