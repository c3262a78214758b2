package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.shaping.LocalRateLimiter;
import org.karavel.api.shaping.SiteLimits;
import org.karavel.testkit.InMemoryConnectionSlots;
import org.karavel.testkit.InMemoryConnectionSlots.Ask;
import org.karavel.testkit.SmtpSink;

/**
 * A site's max_connections held by two delivery schedulers together (two nodes of a fleet) through
 * one store of connection slots: testkit's in-memory one here, the Redis one in the redis bundle's
 * tests and FleetIT. Real SMTP sink, real DNS server.
 */
class FleetSlotsDeliveryTest {
    private static final List<String> DOMAINS = List.of("a.test", "b.test", "c.test");

    private final InMemoryConnectionSlots slots = new InMemoryConnectionSlots();
    private final ProviderSites sitesA = new ProviderSites();
    private final ProviderSites sitesB = new ProviderSites();
    private DeliveryFixture a;
    private DeliveryFixture b;
    private SmtpSink sink;

    @BeforeEach
    void setUp() throws Exception {
        sink = SmtpSink.start();
        a = node(sitesA);
        b = node(sitesB);
    }

    private DeliveryFixture node(ProviderSites sites) throws Exception {
        DeliveryFixture f = new DeliveryFixture();
        for (String d : DOMAINS) {
            f.mx(d, 10, "mx-" + d.charAt(0) + ".provider.test");
        }
        LocalRateLimiter budgets = new LocalRateLimiter();
        f.shaping = new SiteShaping(() -> sites, () -> budgets, () -> slots);
        return f;
    }

    @AfterEach
    void tearDown() throws Exception {
        a.close();
        b.close();
        sink.close();
    }

    private static SiteLimits maxConnections(int n) {
        return new SiteLimits("x", n, null, null, 1, 0, null, null, "", null);
    }

    private DeliverySettings settings() {
        return a.settings(sink.port())
                .minBackoff(Duration.ofHours(1))
                .connectionIdle(Duration.ofMillis(200))
                .build();
    }

    @Test
    void twoNodesTogetherHoldNoMoreConnectionsToASiteThanItsMaxConnections() {
        sitesA.site("provider", ".provider.test", maxConnections(2));
        sitesB.site("provider", ".provider.test", maxConnections(2));
        // every transaction waits at its end of data until the test has seen the nodes press against the limit
        CountDownLatch gate = new CountDownLatch(1);
        AtomicInteger inData = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        sink.onData(m -> {
            most.accumulateAndGet(inData.incrementAndGet(), Math::max);
            try {
                gate.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inData.decrementAndGet();
            }
            return "250 2.0.0 Ok";
        });
        List<QueuedMessage> sent = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // one queue per domain on each node, all of one site: each node alone would open 2
            sent.add(a.queue(
                    "s@sender.test",
                    List.of("u" + i + "@" + DOMAINS.get(i)),
                    DeliveryFixture.message("a" + i, "x\r\n")));
        }
        List<QueuedMessage> sentB = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sentB.add(b.queue(
                    "s@sender.test",
                    List.of("v" + i + "@" + DOMAINS.get(i)),
                    DeliveryFixture.message("b" + i, "x\r\n")));
        }
        a.start(settings());
        b.start(settings());

        await().atMost(Duration.ofSeconds(20)).until(() -> inData.get() == 2 && slots.refused() > 0);
        assertThat(slots.held("site:provider")).isEqualTo(2);
        gate.countDown();

        sent.forEach(m -> a.awaitRemoved(m.id()));
        sentB.forEach(m -> b.awaitRemoved(m.id()));
        assertThat(sink.messages()).hasSize(6);
        assertThat(most.get()).as("transactions at the sink at once").isEqualTo(2);
        assertThat(slots.most("site:provider")).isEqualTo(2);
        // every slot goes back when its connection ends
        await().atMost(Duration.ofSeconds(10)).until(() -> slots.held("site:provider") == 0);
        assertThat(slots.asks()).allMatch(x -> x.key().equals("site:provider") && x.limit() == 2);
    }

    @Test
    void aReactionThatLowersTheSitesConnectionsIsAskedWithItsRemainingTime() {
        sitesA.site("provider", ".provider.test", maxConnections(3));
        sitesA.connections("provider", "421 4.7.0", 1, Duration.ofHours(1));
        AtomicInteger n = new AtomicInteger();
        sink.onData(m -> n.incrementAndGet() == 1 ? "421 4.7.0 too many connections from your IP" : "250 2.0.0 Ok");
        QueuedMessage first = a.queue("s@sender.test", List.of("u@a.test"), DeliveryFixture.message("first", "x\r\n"));
        a.start(settings());
        a.awaitAttempts(first.id(), 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> slots.held("site:provider") == 0);

        QueuedMessage second =
                a.queue("s@sender.test", List.of("v@b.test"), DeliveryFixture.message("second", "x\r\n"));
        a.awaitRemoved(second.id());
        List<Ask> asks = slots.asks();
        assertThat(asks.get(0)).isEqualTo(new Ask("site:provider", 3, Duration.ZERO, true));
        Ask lowered = asks.get(asks.size() - 1);
        assertThat(lowered.limit()).isEqualTo(1);
        assertThat(lowered.taken()).isTrue();
        assertThat(lowered.loweredFor()).isBetween(Duration.ofMinutes(59), Duration.ofHours(1));
    }
}
