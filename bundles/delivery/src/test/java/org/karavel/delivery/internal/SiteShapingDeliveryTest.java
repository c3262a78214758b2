package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus.State;
import org.karavel.api.shaping.LocalRateLimiter;
import org.karavel.api.shaping.Rate;
import org.karavel.api.shaping.ShapingAction.Kind;
import org.karavel.api.shaping.SiteLimits;
import org.karavel.testkit.LogCapture;
import org.karavel.testkit.SmtpSink;

/**
 * Traffic shaping in delivery with a real SMTP sink and DNS server: domains whose MX hosts share a
 * provider suffix form one site, whose rate is held by keeping jobs queued (a timer wakes the
 * scheduler, see SiteGatesTest), whose suspension defers without an attempt, and whose replies set
 * reactions off.
 */
class SiteShapingDeliveryTest {
    private DeliveryFixture f;
    private SmtpSink sink;
    private final ProviderSites sites = new ProviderSites();

    @BeforeEach
    void setUp() throws Exception {
        f = new DeliveryFixture();
        sink = SmtpSink.start();
        for (String d : List.of("a.test", "b.test", "c.test")) {
            f.mx(d, 10, "mx-" + d.charAt(0) + ".provider.test");
        }
        f.mx("other.test", 10, "mx.other.test");
        LocalRateLimiter budgets = new LocalRateLimiter();
        f.shaping = new SiteShaping(() -> sites, () -> budgets);
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
        sink.close();
    }

    private static SiteLimits limits(int maxConnections, String rate, int burst, int perConnection) {
        return new SiteLimits(
                "x",
                maxConnections,
                rate == null ? null : Rate.parse(rate),
                null,
                burst,
                perConnection,
                null,
                null,
                "",
                null);
    }

    private DeliverySettings.Builder settings() {
        return f.settings(sink.port()).minBackoff(Duration.ofHours(1)).connectionIdle(Duration.ofSeconds(5));
    }

    private QueuedMessage queue(String subject, String... to) {
        return f.queue("sender@sender.test", List.of(to), DeliveryFixture.message(subject, "x\r\n"));
    }

    @Test
    void aSitesRateHoldsAcrossItsDomainsWithoutASleepingThreadAndOtherSitesGoAtOnce() {
        SiteLimits one = new SiteLimits("x", 0, Rate.parse("120/min"), null, 1, 0, null, null, "", null);
        sites.site("provider", ".provider.test", one);
        List<Long> providerArrivals = new CopyOnWriteArrayList<>();
        List<Long> otherArrivals = new CopyOnWriteArrayList<>();
        sink.onData(m -> {
            (m.recipients().get(0).endsWith("@other.test") ? otherArrivals : providerArrivals).add(System.nanoTime());
            return "250 2.0.0 Ok";
        });
        for (int i = 0; i < 6; i++) {
            queue("p" + i, "u" + i + "@" + List.of("a.test", "b.test", "c.test").get(i % 3));
            queue("o" + i, "u" + i + "@other.test");
        }
        long start = System.nanoTime();
        f.start(settings().build());
        await().atMost(Duration.ofSeconds(20)).until(() -> providerArrivals.size() == 6);
        List<Long> t = new ArrayList<>(providerArrivals);
        t.sort(Long::compare);
        // GCRA at 120/min with a burst of 1: message i is admitted 500 ms after the one before it at the
        // earliest, the first not before the start, and arrives at the sink after its admission. Measured
        // from the start, not from the first arrival: a loaded machine may delay that one's connection set-up
        for (int i = 1; i < t.size(); i++) {
            assertThat((t.get(i) - start) / 1_000_000).as("arrival %d", i).isGreaterThanOrEqualTo(i * 500L);
        }
        assertThat(otherArrivals).hasSize(6);
        long otherDone = otherArrivals.stream().mapToLong(Long::longValue).max().orElseThrow();
        assertThat((otherDone - start) / 1_000_000)
                .as("the other site's last arrival, ms")
                .isLessThan(2000);
        assertThat(f.counters.siteCount("provider", RecipientResult.Outcome.DELIVERED))
                .isEqualTo(6);
        assertThat(f.counters.siteCount("other.test", RecipientResult.Outcome.DELIVERED))
                .isEqualTo(6);
    }

    @Test
    void maxConnectionsHoldsAcrossTheSitesDomains() {
        sites.site("provider", ".provider.test", limits(1, null, 1, 0));
        AtomicInteger most = new AtomicInteger();
        sink.onMail(from -> {
            most.accumulateAndGet(f.scheduler.admission().siteConnections().getOrDefault("provider", 0), Math::max);
            return "250 2.1.0 Ok";
        });
        List<QueuedMessage> ms = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            ms.add(queue("c" + i, "u@" + List.of("a.test", "b.test", "c.test").get(i % 3)));
        }
        f.start(settings().connectionIdle(Duration.ofMillis(200)).build());
        ms.forEach(m -> f.awaitRemoved(m.id()));
        assertThat(most.get()).isEqualTo(1);
        assertThat(sink.transactions()).isEqualTo(9);
    }

    @Test
    void aSuspendedSitesMailWaitsWithoutAnAttemptAndIsNotBounced() {
        sites.site("provider", ".provider.test", limits(0, null, 1, 0));
        sites.reaction("provider", "421 4.7.28", Kind.SUSPEND, Duration.ofHours(1));
        AtomicInteger n = new AtomicInteger();
        sink.onData(m -> n.incrementAndGet() == 1 ? "421 4.7.28 unusual rate of unsolicited mail" : "250 2.0.0 Ok");
        QueuedMessage first = queue("first", "u@a.test");
        try (LogCapture log = new LogCapture()) {
            f.start(settings().maxConnectionsPerDestination(1).build());
            QueuedMessage deferred = f.awaitAttempts(first.id(), 1);
            assertThat(deferred.recipients().get(0).state()).isEqualTo(State.PENDING);
            await().atMost(Duration.ofSeconds(5)).until(() -> log.text().contains("shaping site=provider"));
            assertThat(log.text())
                    .contains("shaping site=provider action=suspend until=")
                    .contains("(421 4.7.28 unusual rate of unsolicited mail)")
                    .containsPattern("deferred to=<u@a.test> relay=\\S+ site=provider ");
        }
        QueuedMessage second = queue("second", "v@b.test");
        Instant until = sites.started().get(0).until();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> f.get(second.id())
                        .map(m -> !m.nextAttempt().isBefore(until))
                        .orElse(false));
        QueuedMessage held = f.get(second.id()).orElseThrow();
        assertThat(held.attempts()).isZero();
        assertThat(held.recipients().get(0).state()).isEqualTo(State.PENDING);
        assertThat(n.get()).isEqualTo(1);
        assertThat(f.dsns()).isEmpty();
        // the other site is not suspended
        QueuedMessage other = queue("other", "w@other.test");
        f.awaitRemoved(other.id());
    }

    @Test
    void aBounceReactionBouncesTheRecipientWhoseReplyMatched() {
        sites.site("provider", ".provider.test", limits(0, null, 1, 0));
        sites.reaction("provider", "451 4.7.1 blocked", Kind.BOUNCE, Duration.ZERO);
        sink.onRcpt(r -> r.startsWith("x@") ? "451 4.7.1 blocked for policy reasons" : "250 2.1.5 Ok");
        QueuedMessage m = queue("bounce", "x@a.test", "y@a.test");
        f.start(settings().build());
        f.awaitRemoved(m.id());
        assertThat(f.dsns()).hasSize(1);
        assertThat(f.dsns().get(0).text()).contains("451 4.7.1 blocked for policy reasons");
        assertThat(sink.messages()).hasSize(1);
    }

    @Test
    void pipeliningSendsMailEveryRcptAndDataInOneRoundTrip() {
        QueuedMessage m = queue("pipelined", "a@other.test", "b@other.test", "c@other.test");
        f.start(settings().build());
        f.awaitRemoved(m.id());
        assertThat(sink.messages()).hasSize(1);
        assertThat(sink.messages().get(0).recipients()).hasSize(3);
        assertThat(sink.commandRoundTrips()).containsExactly(1);
    }

    @Test
    void maxDeliveriesPerConnectionClosesAReusedConnectionAfterN() {
        sites.site("provider", ".provider.test", limits(0, null, 1, 2));
        List<QueuedMessage> ms = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ms.add(queue("n" + i, "u" + i + "@a.test"));
        }
        f.start(settings().maxConnectionsPerDestination(1).build());
        ms.forEach(m -> f.awaitRemoved(m.id()));
        assertThat(sink.transactions()).isEqualTo(5);
        // 2 + 2 + 1, each connection's transactions pipelined
        assertThat(sink.connections()).isEqualTo(3);
        assertThat(sink.commandRoundTrips()).containsOnly(1);
    }

    @Test
    void aConnectionHeldForARateLimitedSiteYieldsItsSlotToAnotherSite() {
        // one message an hour, and connections that would wait open for it ten minutes
        sites.site(
                "provider",
                ".provider.test",
                new SiteLimits("x", 0, Rate.parse("1/h"), null, 1, 0, null, Duration.ofMinutes(10), "", null));
        QueuedMessage first = queue("first", "u1@a.test");
        QueuedMessage second = queue("second", "u2@a.test");
        f.start(settings().maxConnections(1).build());
        f.awaitRemoved(first.id());
        // the second waits for the site's next turn, an hour away, on the only connection slot
        await().atMost(Duration.ofSeconds(10))
                .until(() -> f.scheduler.admission().siteConnections().getOrDefault("provider", 0) == 1);

        QueuedMessage other = queue("other", "w@other.test");
        // without yielding, the other site would wait the ten minutes the held connection may stay open
        await().atMost(Duration.ofSeconds(60)).until(() -> f.get(other.id()).isEmpty());
        assertThat(sink.messages()).extracting(m -> m.recipients().get(0)).containsExactly("u1@a.test", "w@other.test");
        QueuedMessage held = f.get(second.id()).orElseThrow();
        assertThat(held.attempts()).isZero();
        assertThat(held.recipients().get(0).state()).isEqualTo(State.PENDING);
        assertThat(sink.connections()).isEqualTo(2);
    }

    @Test
    void aMessageForTwoSitesWithOneRecipientDeferredRetriesOnlyThatOne() {
        sites.site("provider", ".provider.test", limits(0, "600/min", 5, 0));
        AtomicInteger refusals = new AtomicInteger();
        sink.onRcpt(r -> r.startsWith("later@") && refusals.getAndIncrement() == 0
                ? "451 4.2.1 mailbox busy, try later"
                : "250 2.1.5 Ok");
        QueuedMessage m = queue("split", "ok@a.test", "later@b.test", "also@b.test", "x@other.test");
        f.start(settings().build());

        QueuedMessage first = f.awaitAttempts(m.id(), 1);
        assertThat(first.recipients())
                .extracting(r -> r.state())
                .containsExactly(State.DELIVERED, State.PENDING, State.DELIVERED, State.DELIVERED);
        assertThat(first.recipients().get(1).lastReply()).isEqualTo("451 4.2.1 mailbox busy, try later");

        assertThat(f.spool.flush(m.id())).isTrue();
        f.awaitRemoved(m.id());
        // every recipient got the message exactly once: the retry carried only the deferred one
        List<String> delivered = new ArrayList<>();
        sink.messages().forEach(x -> delivered.addAll(x.recipients()));
        assertThat(delivered).containsExactlyInAnyOrder("ok@a.test", "also@b.test", "x@other.test", "later@b.test");
        assertThat(sink.messages().get(sink.messages().size() - 1).recipients()).containsExactly("later@b.test");
        assertThat(f.dsns()).isEmpty();
    }
}
