package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.api.queue.RecipientStatus.State;
import org.karavel.api.shaping.LocalRateLimiter;
import org.karavel.api.shaping.SiteLimits;
import org.karavel.testkit.LogCapture;
import org.karavel.testkit.SmtpSink;

/**
 * A shaping site's connection terms with a real SMTP sink and DNS server: its connect_timeout bounds the
 * connect and the greeting, its idle_timeout the wait of an idle connection, and its tls mode raises
 * the outbound TLS policy's.
 */
class SiteTermsDeliveryTest {
    private DeliveryFixture f;
    private SmtpSink sink;
    private final ProviderSites sites = new ProviderSites();

    @BeforeEach
    void setUp() throws Exception {
        f = new DeliveryFixture();
        sink = SmtpSink.start();
        f.mx("a.test", 10, "mx-a.provider.test");
        f.mx("other.test", 10, "mx.other.test");
        LocalRateLimiter budgets = new LocalRateLimiter();
        f.shaping = new SiteShaping(() -> sites, () -> budgets);
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
        sink.close();
    }

    private static SiteLimits terms(Duration connectTimeout, Duration idleTimeout, String tls) {
        return new SiteLimits("x", 0, null, null, 1, 0, connectTimeout, idleTimeout, tls, null);
    }

    private QueuedMessage queue(String subject, String to) {
        return f.queue("sender@sender.test", List.of(to), DeliveryFixture.message(subject, "x\r\n"));
    }

    @Test
    void aServerThatNeverGreetsIsGivenUpAfterTheSitesConnectTimeoutAndTheMailIsDeferred() {
        sites.site("provider", ".provider.test", terms(Duration.ofMillis(400), null, ""));
        sink.silent(true);
        QueuedMessage m = queue("tarpit", "u@a.test");
        long start = System.nanoTime();
        try (LogCapture log = new LogCapture()) {
            // delivery's own greeting limit (reply_timeout) is 30 s: only the site's 400 ms can end it soon
            f.start(f.settings(sink.port())
                    .replyTimeout(Duration.ofSeconds(30))
                    .minBackoff(Duration.ofHours(1))
                    .build());
            QueuedMessage after = f.awaitAttempts(m.id(), 1);
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            RecipientStatus r = after.recipients().get(0);
            assertThat(r.state()).isEqualTo(State.PENDING);
            assertThat(r.lastReply()).contains("timed out while receiving the initial server greeting");
            assertThat(tookMillis).as("ms until the deferral").isLessThan(10_000);
            assertThat(f.dsns()).isEmpty();
            await().atMost(Duration.ofSeconds(5)).until(() -> log.text().contains("deferred to=<u@a.test>"));
            assertThat(log.text())
                    .containsPattern("deferred to=<u@a.test> relay=\\S+ site=provider .*category=connection_failure"
                            + " status=deferred \\(conversation with \\S+ timed out while receiving the initial"
                            + " server greeting");
        }
        assertThat(sink.connections()).isGreaterThanOrEqualTo(1);
        assertThat(sink.transactions()).isZero();
    }

    @Test
    void withoutASiteConnectTimeoutTheGreetingHasDeliverysReplyTimeout() {
        sites.site("provider", ".provider.test", terms(null, null, ""));
        sink.silent(true);
        QueuedMessage m = queue("tarpit", "u@a.test");
        long start = System.nanoTime();
        f.start(f.settings(sink.port())
                .replyTimeout(Duration.ofMillis(1500))
                .minBackoff(Duration.ofHours(1))
                .build());
        QueuedMessage after = f.awaitAttempts(m.id(), 1);
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(1400);
        assertThat(after.recipients().get(0).lastReply()).contains("initial server greeting");
    }

    @Test
    void aSiteThatRequiresTlsDefersMailToAServerWithoutStartTlsAndSaysWhy() {
        sites.site("provider", ".provider.test", terms(null, null, "required"));
        QueuedMessage m = queue("needs-tls", "u@a.test");
        QueuedMessage other = queue("clear", "v@other.test");
        try (LogCapture log = new LogCapture()) {
            f.start(f.settings(sink.port()).minBackoff(Duration.ofHours(1)).build());
            // the policy alone (Opportunistic) lets the other site's mail go in clear text
            f.awaitRemoved(other.id());
            QueuedMessage after = f.awaitAttempts(m.id(), 1);
            RecipientStatus r = after.recipients().get(0);
            assertThat(r.state()).isEqualTo(State.PENDING);
            assertThat(r.lastReply())
                    .startsWith("451 4.7.5 TLS with ")
                    .contains("STARTTLS not offered")
                    .endsWith("(shaping site provider asks tls = Required)");
            await().atMost(Duration.ofSeconds(5)).until(() -> log.text().contains("deferred to=<u@a.test>"));
            assertThat(log.text())
                    .containsPattern("deferred to=<u@a.test> relay=\\S+ site=provider .*policy=Required/none"
                            + " .*category=tls_failure status=deferred \\(451 4.7.5 TLS with");
        }
        assertThat(sink.messages()).hasSize(1);
        assertThat(sink.messages().get(0).recipients()).containsExactly("v@other.test");
        assertThat(f.dsns()).isEmpty();
    }

    @Test
    void anIdleConnectionToTheSiteClosesAfterItsIdleTimeoutNotDeliverysConnectionIdle() {
        sites.site("provider", ".provider.test", terms(null, Duration.ofMillis(300), ""));
        QueuedMessage m = queue("idle", "u@a.test");
        f.start(f.settings(sink.port()).connectionIdle(Duration.ofSeconds(60)).build());
        f.awaitRemoved(m.id());
        long delivered = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).until(() -> f.scheduler.connections() == 0);
        assertThat((System.nanoTime() - delivered) / 1_000_000)
                .as("ms until the idle connection closed")
                .isLessThan(10_000);
        assertThat(sink.connections()).isEqualTo(1);
    }
}
