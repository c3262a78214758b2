package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.testkit.SmtpSink;

/**
 * Each {@link DestinationWorker.JobOutcome} of a job's attempt, reached through the scheduler with a
 * real SMTP sink and DNS server: what the worker does with it is seen in the spool and at the sink.
 * The minimum backoff is an hour, so mail that arrives within the test was never deferred.
 */
class DestinationWorkerTest {
    private static final String MX = "mx1.example.test";

    private DeliveryFixture f;
    private SmtpSink sink;

    @BeforeEach
    void setUp() throws Exception {
        f = new DeliveryFixture();
        sink = SmtpSink.start();
        f.mx("example.test", 10, MX);
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
        sink.close();
    }

    private DeliverySettings.Builder settings() {
        return f.settings(sink.port()).minBackoff(Duration.ofHours(1)).connectionIdle(Duration.ofSeconds(20));
    }

    private QueuedMessage queue(String subject, String... to) {
        return f.queue("sender@sender.test", List.of(to), DeliveryFixture.message(subject, "x\r\n"));
    }

    /** Holds the sink in DATA until released, counting the messages that reached it. */
    private CountDownLatch holdData(AtomicInteger inData) {
        CountDownLatch release = new CountDownLatch(1);
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
        return release;
    }

    @Test
    void completedRecordsEachRecipientsOwnReply() {
        sink.onRcpt(r -> r.startsWith("gone@") ? "550 5.1.1 User unknown" : "250 2.1.5 Ok");
        QueuedMessage m = queue("completed", "a@example.test", "gone@example.test");
        f.start(settings().build());

        f.awaitRemoved(m.id());
        assertThat(sink.messages()).hasSize(1);
        assertThat(sink.messages().get(0).recipients()).containsExactly("a@example.test");
        assertThat(f.dsns()).hasSize(1);
        assertThat(f.dsns().get(0).text()).contains("550 5.1.1 User unknown");
    }

    @Test
    void staleCachedConnectionIsReplacedAndTheJobGoesOutOnTheNewOne() throws Exception {
        QueuedMessage first = queue("first", "a@example.test");
        f.start(settings().maxConnectionsPerDestination(1).build());
        f.awaitRemoved(first.id());
        // the worker keeps its connection for more mail: that connection now dies under it
        assertThat(f.scheduler.connections()).isEqualTo(1);
        try (SmtpSink replacement = SmtpSink.start()) {
            f.ports.put(MX, replacement.port());
            sink.close();

            QueuedMessage second = queue("second", "b@example.test");
            f.awaitRemoved(second.id());
            assertThat(replacement.connections()).isEqualTo(1);
            assertThat(replacement.messages()).hasSize(1);
            assertThat(replacement.messages().get(0).recipients()).containsExactly("b@example.test");
        }
    }

    @Test
    void handedBackJobIsDeliveredByTheWorkerThatStillReachesTheDestination() {
        AtomicInteger inData = new AtomicInteger();
        CountDownLatch release = holdData(inData);
        QueuedMessage first = queue("first", "a@example.test");
        QueuedMessage second;
        try {
            f.start(settings().maxConnectionsPerDestination(2).build());
            await().atMost(Duration.ofSeconds(10)).until(() -> inData.get() == 1);
            // the first worker is busy in DATA; a second one is started for the next message and is refused
            sink.greeting("421 4.3.2 too busy for another connection");
            second = queue("second", "b@example.test");
            await().atMost(Duration.ofSeconds(10)).until(() -> sink.connections() == 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> f.scheduler.connections() == 1);
        } finally {
            release.countDown();
        }

        f.awaitRemoved(first.id());
        f.awaitRemoved(second.id());
        assertThat(sink.connections()).isEqualTo(2);
        assertThat(sink.messages())
                .extracting(x -> x.recipients().get(0))
                .containsExactly("a@example.test", "b@example.test");
    }

    @Test
    void unreachableDestinationDefersItsJobsWithTheNextHopsReply() {
        sink.greeting("421 4.3.2 closed for maintenance");
        QueuedMessage one = queue("one", "a@example.test");
        QueuedMessage two = queue("two", "b@example.test");
        f.start(settings().maxConnectionsPerDestination(1).build());

        for (QueuedMessage m : List.of(one, two)) {
            QueuedMessage after = f.awaitAttempts(m.id(), 1);
            RecipientStatus r = after.recipients().get(0);
            assertThat(r.state()).isEqualTo(RecipientStatus.State.PENDING);
            assertThat(r.lastReply()).contains("421 4.3.2 closed for maintenance");
            assertThat(after.attempts()).isEqualTo(1);
        }
        assertThat(sink.messages()).isEmpty();
    }

    @Test
    void cancelledByTheStopRecordsNothing() {
        AtomicInteger inData = new AtomicInteger();
        CountDownLatch release = holdData(inData);
        QueuedMessage m = queue("cut", "a@example.test");
        try {
            DeliveryScheduler s = f.start(settings().build());
            await().atMost(Duration.ofSeconds(10)).until(() -> inData.get() == 1);
            s.stop(Duration.ofMillis(300));
            f.scheduler = null;
        } finally {
            release.countDown();
        }

        QueuedMessage after = f.get(m.id()).orElseThrow();
        assertThat(after.recipients().get(0).state()).isEqualTo(RecipientStatus.State.PENDING);
        assertThat(after.attempts()).isZero();
        assertThat(f.spool.updates()).isZero();
    }
}
