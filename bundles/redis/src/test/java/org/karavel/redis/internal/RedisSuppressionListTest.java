package org.karavel.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.suppression.Suppression;
import org.karavel.api.suppression.SuppressionQuery;
import org.karavel.testkit.InMemorySuppressionList;
import org.karavel.testkit.RedisServer;

/** Two shared lists on two stores play two nodes; each node's embedded list decides its bounces. */
class RedisSuppressionListTest {
    @TempDir
    static Path dir;

    static RedisServer redis;
    static int run;

    private Nodes nodes;
    private RedisStore storeA;
    private RedisStore storeB;
    private RedisSuppressionList nodeA;
    private RedisSuppressionList nodeB;
    private final InMemorySuppressionList embeddedA = new InMemorySuppressionList();

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
        String prefix = "s" + (++run) + ":";
        Map<String, Object> sync = Map.of("suppression__sync__seconds", 1);
        storeA = nodes.store(redis, "node-a.test", prefix, sync);
        storeB = nodes.store(redis, "node-b.test", prefix, sync);
        await().atMost(Duration.ofSeconds(10)).until(() -> storeA.reachable() && storeB.reachable());
        nodeA = nodes.closeLater(new RedisSuppressionList(storeA, () -> embeddedA));
        nodeB = nodes.closeLater(new RedisSuppressionList(storeB, () -> null));
    }

    @AfterEach
    void close() throws Exception {
        nodes.close();
    }

    private static Suppression manual(String address) {
        return Suppression.manual(address, "asked to stop", Instant.now(), null, "admin");
    }

    @Test
    void anEntryMadeOnOneNodeIsFoundOnTheOtherAndRemovedThere() {
        nodeA.add(manual("Bob@Rcpt.Example"));
        assertThat(nodeA.find("bob@rcpt.example"))
                .as("at once on the writing node")
                .isPresent();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> nodeB.find("<BOB@rcpt.example>").isPresent());
        assertThat(nodeB.find("bob@rcpt.example").orElseThrow().reason()).isEqualTo("asked to stop");
        assertThat(nodeB.count()).isEqualTo(1);

        assertThat(nodeB.remove("bob@rcpt.example")).isTrue();
        assertThat(nodeB.find("bob@rcpt.example")).isEmpty();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> nodeA.find("bob@rcpt.example").isEmpty());
        assertThat(nodeA.remove("bob@rcpt.example")).isFalse();
    }

    @Test
    void aBounceDecidedByTheEmbeddedListIsShared() throws Exception {
        Optional<Suppression> added = nodeA.permanentFailure(
                        "gone@rcpt.example", "invalid_recipient", "550 5.1.1 no such user", "Q1")
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        assertThat(added).isPresent();
        assertThat(embeddedA.find("gone@rcpt.example")).isPresent();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> nodeB.find("gone@rcpt.example").isPresent());
        assertThat(nodeB.find("gone@rcpt.example").orElseThrow().category()).isEqualTo("invalid_recipient");
        assertThat(nodeB.permanentFailure("x@rcpt.example", "invalid_recipient", "550", "Q2")
                        .toCompletableFuture()
                        .get(5, TimeUnit.SECONDS))
                .as("without an embedded list to decide, a bounce adds nothing")
                .isEmpty();
    }

    @Test
    void listingsImportsAndExportsPageInAddressOrder() {
        List<Suppression> many = new ArrayList<>();
        for (int i = 0; i < 1200; i++) {
            many.add(manual(String.format("user%04d@rcpt.example", i)));
        }
        assertThat(nodeA.importEntries(many)).isEqualTo(1200);
        await().atMost(Duration.ofSeconds(10)).until(() -> nodeB.count() == 1200);
        var page = nodeB.list(new SuppressionQuery("", "", "", 1000));
        assertThat(page.entries()).hasSize(1000);
        assertThat(page.next()).isEqualTo("user0999@rcpt.example");
        var rest = nodeB.list(new SuppressionQuery("", "", page.next(), 1000));
        assertThat(rest.entries()).hasSize(200);
        assertThat(rest.next()).isEmpty();
        List<Suppression> exported = new ArrayList<>();
        nodeB.exportEntries(exported::add);
        assertThat(exported).extracting(Suppression::address).isSorted().hasSize(1200);
    }

    @Test
    void whileRedisIsDownTheCopyAnswersBouncesWaitAndOperatorsGetAnError() throws Exception {
        nodeA.add(manual("kept@rcpt.example"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> nodeB.find("kept@rcpt.example").isPresent());

        redis.kill();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> !storeB.reachable());
            assertThat(nodeB.find("kept@rcpt.example"))
                    .as("served from the copy")
                    .isPresent();
            assertThat(nodeA.permanentFailure("new@rcpt.example", "invalid_recipient", "550", "Q3")
                            .toCompletableFuture()
                            .get(5, TimeUnit.SECONDS))
                    .isPresent();
            assertThat(nodeA.find("new@rcpt.example")).isPresent();
            assertThatThrownBy(() -> nodeB.add(manual("refused@rcpt.example")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("nothing was changed");
            assertThat(storeB.degradedCounts().count("suppression")).isGreaterThanOrEqualTo(1);
        } finally {
            redis.restart();
        }
        // Redis came back empty: node A writes back its copy, the waiting bounce included
        await().atMost(Duration.ofSeconds(20))
                .until(() -> nodeB.find("new@rcpt.example").isPresent()
                        && nodeB.find("kept@rcpt.example").isPresent());
        assertThat(redis.command("HEXISTS", storeA.key("suppression"), "new@rcpt.example"))
                .isEqualTo("1");
    }

    @Test
    void expiredEntriesCountAsAbsent() {
        nodeA.add(Suppression.manual(
                "brief@rcpt.example",
                "",
                Instant.now().minusSeconds(60),
                Instant.now().minusSeconds(1),
                "shell"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> redis.command("HEXISTS", storeA.key("suppression"), "brief@rcpt.example")
                        .equals("1"));
        assertThat(nodeA.find("brief@rcpt.example")).isEmpty();
        assertThat(nodeA.list(SuppressionQuery.all()).entries()).isEmpty();
    }
}
