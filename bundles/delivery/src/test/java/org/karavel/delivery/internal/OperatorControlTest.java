package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.domain.MailDomains;
import org.karavel.api.metrics.Metric;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.testkit.MemorySpool;
import org.karavel.testkit.SmtpSink;

/** The operator's controls: bounce, suspend/resume/flush of a domain, and deletion during delivery. */
class OperatorControlTest {
    private static final MailDomains NOTHING_LOCAL = new MailDomains() {
        @Override
        public boolean isLocal(String domain) {
            return false;
        }

        @Override
        public boolean isRelayDomain(String domain) {
            return false;
        }

        @Override
        public Set<String> localDomains() {
            return Set.of();
        }
    };
    private DeliveryFixture f;
    private SmtpSink sink;

    @BeforeEach
    void setUp() throws Exception {
        f = new DeliveryFixture();
        sink = SmtpSink.start();
        f.mx("example.test", 10, "mx1.example.test");
        f.mx("sender.test", 10, "mx1.example.test");
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
        sink.close();
    }

    private OperatorControl startSuspended(String... domains) {
        DomainSuspensions s = new DomainSuspensions();
        for (String d : domains) {
            s.suspend(d);
        }
        f.scheduler = new DeliveryScheduler(
                f.settings(sink.port()).build(),
                f.spool,
                f.resolver,
                () -> NOTHING_LOCAL,
                f.outbound(),
                (socket, host, address, timeout) ->
                        socket.connect(new InetSocketAddress("127.0.0.1", address.getPort()), timeout),
                Clock.systemDefaultZone(),
                s,
                new DeliveryCounters());
        OperatorControl control = new OperatorControl(f.scheduler, f.spool);
        f.scheduler.start();
        return control;
    }

    @Test
    void aBounceSendsOneDsnForThePendingRecipientsAndRemovesTheMessage() {
        OperatorControl control = startSuspended("example.test", "sender.test");
        QueuedMessage m = f.queue(
                "sender@sender.test",
                List.of("a@example.test", "b@example.test"),
                DeliveryFixture.message("stuck", "x\r\n"));

        assertThat(control.bounce(m.id(), "spam run").toCompletableFuture().join())
                .isTrue();

        assertThat(f.get(m.id())).isEmpty();
        assertThat(f.dsns()).hasSize(1);
        MemorySpool.Queued dsn = f.dsns().get(0);
        assertThat(dsn.message().envelope().recipients())
                .containsExactly(DeliveryFixture.address("sender@sender.test"));
        assertThat(dsn.text())
                .contains("<a@example.test>")
                .contains("<b@example.test>")
                .contains("spam run")
                .contains("bounced by the operator")
                .contains("Status: 5.0.0");
        assertThat(sink.connections()).isZero();
        assertThat(f.scheduler.counters().operatorBounced.sum()).isEqualTo(2);
        assertThat(control.bounce(m.id(), "again").toCompletableFuture().join()).isFalse();
        assertThat(control.bounce(new QueueId("NOSUCH1"), "x")
                        .toCompletableFuture()
                        .join())
                .isFalse();
    }

    @Test
    void aBounceOfANullSenderMessageSendsNoDsn() {
        OperatorControl control = startSuspended("example.test");
        QueuedMessage m = f.queue("", List.of("a@example.test"), DeliveryFixture.message("bounce", "x\r\n"));

        assertThat(control.bounce(m.id(), "").toCompletableFuture().join()).isTrue();

        assertThat(f.get(m.id())).isEmpty();
        assertThat(f.dsns()).hasSize(1); // the message itself (null sender), no new one
        assertThat(f.dsns().get(0).message().id()).isEqualTo(m.id());
    }

    @Test
    void aSuspendedDomainIsNotAttemptedAndResumeDeliversAtOnce() {
        OperatorControl control = startSuspended("EXAMPLE.test");
        assertThat(control.suspendedDomains()).containsExactly("example.test");
        QueuedMessage m =
                f.queue("sender@sender.test", List.of("a@example.test"), DeliveryFixture.message("held", "x\r\n"));

        // the scheduler looks at it, counts no attempt and puts it off
        await().atMost(Duration.ofSeconds(10))
                .until(() -> f.get(m.id())
                        .map(q -> q.nextAttempt().isAfter(Instant.now()))
                        .orElse(false));
        assertThat(f.get(m.id()).orElseThrow().attempts()).isZero();
        assertThat(sink.connections()).isZero();
        // a flush makes it due, but a suspended domain stays untouched
        assertThat(control.flushDomain("example.test")).isEqualTo(1);
        assertThat(control.flushDomain("other.test")).isZero();

        assertThat(control.resume("example.test")).isTrue();
        assertThat(control.resume("example.test")).isFalse();
        f.awaitRemoved(m.id());
        assertThat(sink.messages()).hasSize(1);
        assertThat(control.suspendedDomains()).isEmpty();
        List<Metric> metrics = f.scheduler.counters().metrics(0, 0);
        assertThat(metrics)
                .filteredOn(x -> x.name().equals("karavel_delivery_delivered_total"))
                .singleElement()
                .satisfies(x -> assertThat(x.samples().get(0).value()).isEqualTo(1.0));
    }

    @Test
    void aMessageDeletedDuringDeliveryIsNotResurrectedAndDeliveryGoesOn() {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger inData = new AtomicInteger();
        sink.onData(mail -> {
            if (inData.incrementAndGet() == 1) {
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return "250 2.0.0 Ok";
        });
        startSuspended();
        QueuedMessage m =
                f.queue("sender@sender.test", List.of("a@example.test"), DeliveryFixture.message("gone", "x\r\n"));
        await().atMost(Duration.ofSeconds(10)).until(() -> inData.get() == 1);

        assertThat(f.spool.remove(m.id()).toCompletableFuture().join()).isTrue();
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> f.scheduler.inFlight() == 0);
        assertThat(f.get(m.id())).isEmpty();
        assertThat(f.spool.list()).isEmpty();

        QueuedMessage next =
                f.queue("sender@sender.test", List.of("b@example.test"), DeliveryFixture.message("next", "x\r\n"));
        f.awaitRemoved(next.id());
        assertThat(inData.get()).isEqualTo(2);
    }

    @Test
    void aBounceWaitsForTheRunningAttemptAndBouncesOnlyWhatIsStillPending() {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger inData = new AtomicInteger();
        sink.onRcpt(r -> r.startsWith("later@") ? "450 4.2.0 Mailbox busy" : "250 2.1.5 Ok");
        sink.onData(mail -> {
            inData.incrementAndGet();
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "250 2.0.0 Ok";
        });
        OperatorControl control = startSuspended("sender.test");
        QueuedMessage m = f.queue(
                "sender@sender.test",
                List.of("now@example.test", "later@example.test"),
                DeliveryFixture.message("half", "x\r\n"));
        await().atMost(Duration.ofSeconds(10)).until(() -> inData.get() == 1);

        CompletableFuture<Boolean> bounce = control.bounce(m.id(), "enough").toCompletableFuture();
        assertThat(bounce).isNotDone();
        release.countDown();

        assertThat(bounce.join()).isTrue();
        assertThat(f.get(m.id())).isEmpty();
        assertThat(f.dsns()).hasSize(1);
        assertThat(f.dsns().get(0).text()).contains("<later@example.test>").doesNotContain("<now@example.test>");
        assertThat(sink.messages()).hasSize(1);
    }
}
