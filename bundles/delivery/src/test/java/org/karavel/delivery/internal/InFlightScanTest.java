package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.shaping.LocalRateLimiter;
import org.karavel.api.shaping.Rate;
import org.karavel.api.shaping.SiteLimits;
import org.karavel.testkit.SmtpSink;

/**
 * Mail held in memory for its site's rate is in flight: it is set aside in the spool while it waits, so
 * the scans that new mail causes never step over it (counted, not timed), and it is put back when its
 * attempt ends without a write (the scheduler's stop).
 */
class InFlightScanTest {
    private final AsideSpool spool = new AsideSpool();
    private DeliveryFixture f;
    private SmtpSink sink;
    private final LocalRateLimiter budgets = new LocalRateLimiter();

    @BeforeEach
    void setUp() throws Exception {
        f = new DeliveryFixture(spool);
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
    void mailHeldForItsSiteIsSetAsideAndScansDoNotStepOverIt() {
        ProviderSites sites = new ProviderSites();
        // one a minute: what the site holds stays in memory for the whole test
        sites.site(
                "provider",
                ".provider.test",
                new SiteLimits("x", 0, Rate.parse("1/min"), null, 1, 0, null, null, "", null));
        f.shaping = new SiteShaping(() -> sites, () -> budgets);
        List<QueuedMessage> held = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            held.add(queue("held" + i, "u" + i + "@a.test"));
        }
        f.start(f.settings(sink.port()).minBackoff(Duration.ofHours(1)).build());
        // the first goes at once, the rest wait in memory for a turn a minute later
        await().atMost(Duration.ofSeconds(10)).until(() -> !spool.removed().isEmpty());
        Set<QueueId> waiting = held.stream()
                .map(QueuedMessage::id)
                .filter(id -> !spool.removed().contains(id))
                .collect(Collectors.toSet());
        await().atMost(Duration.ofSeconds(10)).until(() -> spool.aside().containsAll(waiting));
        assertThat(f.scheduler.inFlight()).isEqualTo(waiting.size());

        // new mail for another site: each one wakes a scan, none of which steps over the held mail
        long before = spool.steppedOver();
        for (int i = 0; i < 20; i++) {
            f.awaitRemoved(queue("other" + i, "x" + i + "@other.test").id());
        }
        assertThat(spool.steppedOver() - before).isZero();
        assertThat(spool.aside()).isEqualTo(waiting);

        // stopped: the held attempts end without a write and are due again for the next start
        f.scheduler.stop(Duration.ofSeconds(2));
        assertThat(spool.aside()).isEmpty();
        assertThat(waiting)
                .allSatisfy(id -> assertThat(f.get(id))
                        .get()
                        .extracting(QueuedMessage::attempts)
                        .isEqualTo(0));
    }
}
