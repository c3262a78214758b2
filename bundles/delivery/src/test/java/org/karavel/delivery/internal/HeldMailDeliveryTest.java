package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.shaping.LocalRateLimiter;
import org.karavel.api.shaping.Rate;
import org.karavel.api.shaping.SiteLimits;
import org.karavel.testkit.SmtpSink;

/**
 * Mail held back by a rate, with a real SMTP sink and DNS server: a source address's max_message_rate
 * is held when the message is taken, and the message comes back at the limiter's retry time (not after
 * min_backoff); a held site keeps at most a minute of its rate in memory, the rest waits in the
 * spool for turns one rate interval apart, and the other sites' mail is not held up behind it.
 */
class HeldMailDeliveryTest {
    private DeliveryFixture f;
    private SmtpSink sink;
    private final LocalRateLimiter budgets = new LocalRateLimiter();

    @BeforeEach
    void setUp() throws Exception {
        f = new DeliveryFixture();
        sink = SmtpSink.start();
        f.mx("a.test", 10, "mx-a.provider.test");
        f.mx("other.test", 10, "mx.other.test");
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
        sink.close();
    }

    private QueuedMessage queue(String subject, String to) {
        return f.queue("app@sender.test", List.of(to), DeliveryFixture.message(subject, "x\r\n"));
    }

    @Test
    void aMessageHeldBySourceRateGoesAtTheLimitersRetryTimeWithoutAnAttempt() throws Exception {
        List<SendingSource> sources = List.of(new SendingSource(
                "slow", InetAddress.getByName("127.0.0.2"), "slow.mta.test", Warmup.NONE, true, Rate.parse("20/min")));
        List<SendingPool> pools = List.of(
                new SendingPool("default", SendingPool.parseMembers(List.of("slow")), Set.of(), Set.of(), Set.of()));
        f.routing = new Routing(
                Routing.of(f.settings(sink.port()).build()).table(),
                new SendingAddresses(() -> sources, () -> pools, () -> budgets, Clock.systemUTC()));
        List<Long> arrivals = new CopyOnWriteArrayList<>();
        sink.onData(m -> {
            arrivals.add(System.nanoTime());
            return "250 2.0.0 Ok";
        });
        QueuedMessage one = queue("one", "u@other.test");
        QueuedMessage two = queue("two", "v@other.test");
        // min_backoff of an hour: only the limiter's retry time (one message per 3 s) brings the second back soon
        long start = System.nanoTime();
        f.start(f.settings(sink.port()).minBackoff(Duration.ofHours(1)).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> arrivals.size() == 1);
        // either may have been taken first: the other waits
        await().atMost(Duration.ofSeconds(10)).until(() -> waiting(one, two) != null);
        QueuedMessage waiting = waiting(one, two);
        assertThat(waiting.attempts()).isZero();
        assertThat(waiting.nextAttempt()).isBefore(Instant.now().plusSeconds(4));
        f.awaitRemoved(one.id());
        f.awaitRemoved(two.id());
        // the budget is taken when a message is taken (after the start), the second no sooner than 3 s later
        assertThat((arrivals.get(1) - start) / 1_000_000)
                .as("ms from the start to the second")
                .isGreaterThanOrEqualTo(2950);
        assertThat(sink.clientAddresses()).containsOnly("127.0.0.2");
    }

    @Test
    void aHeldSiteKeepsAMinuteOfItsRateInMemoryTheRestWaitsForItsTurnAndOtherSitesGo() {
        ProviderSites sites = new ProviderSites();
        sites.site(
                "provider",
                ".provider.test",
                new SiteLimits("x", 0, Rate.parse("60/min"), null, 1, 0, null, null, "", null));
        f.shaping = new SiteShaping(() -> sites, () -> budgets);
        for (int i = 0; i < 3; i++) {
            queue("first" + i, "u" + i + "@a.test");
        }
        f.start(f.settings(sink.port()).minBackoff(Duration.ofHours(1)).build());
        // the site is held once its second message is refused: one a second
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.transactions() >= 1);
        List<QueuedMessage> more = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            more.add(queue("more" + i, "w" + i + "@a.test"));
        }
        int room = HeldMail.room(Rate.parse("60/min"), 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> turns(more).size() >= 150 - room - 3);
        assertThat(f.scheduler.inFlight()).isLessThanOrEqualTo(room + 3);

        // the other site's mail is not behind the held one's
        long start = System.nanoTime();
        QueuedMessage other = queue("other", "x@other.test");
        f.awaitRemoved(other.id());
        assertThat((System.nanoTime() - start) / 1_000_000)
                .as("ms for the other site")
                .isLessThan(5000);

        // turns one rate interval apart, no attempt counted
        List<Instant> turns = turns(more);
        for (int i = 1; i < turns.size(); i++) {
            assertThat(Duration.between(turns.get(i - 1), turns.get(i)))
                    .as("turn %d", i)
                    .isGreaterThanOrEqualTo(Duration.ofMillis(900));
        }
        assertThat(turns.get(turns.size() - 1)).isBefore(Instant.now().plusSeconds(180));
        assertThat(more.stream()
                        .map(m -> f.get(m.id()).map(QueuedMessage::attempts).orElse(0)))
                .containsOnly(0);
    }

    /** The one of the messages that waits in the spool with its next attempt ahead, or null. */
    private QueuedMessage waiting(QueuedMessage... ms) {
        for (QueuedMessage m : ms) {
            QueuedMessage now = f.get(m.id()).orElse(null);
            if (now != null && now.nextAttempt().isAfter(Instant.now())) {
                return now;
            }
        }
        return null;
    }

    /** The next attempts of the messages that wait in the spool for their turn, in order. */
    private List<Instant> turns(List<QueuedMessage> ms) {
        Instant soon = Instant.now().plusMillis(500);
        return ms.stream()
                .map(m -> f.get(m.id()).orElse(null))
                .filter(m -> m != null && m.nextAttempt().isAfter(soon))
                .map(QueuedMessage::nextAttempt)
                .sorted()
                .toList();
    }
}
