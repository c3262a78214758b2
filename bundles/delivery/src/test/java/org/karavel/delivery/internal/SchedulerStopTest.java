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

/** Stopping: attempts cut off and jobs not started leave their messages pending and due. */
class SchedulerStopTest {
    private DeliveryFixture f;
    private SmtpSink sink;

    @BeforeEach
    void setUp() throws Exception {
        f = new DeliveryFixture();
        sink = SmtpSink.start();
        f.mx("example.test", 10, "mx1.example.test");
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
        sink.close();
    }

    @Test
    void aStopDuringDataLeavesEveryMessagePendingAndUntouched() {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger inData = new AtomicInteger();
        sink.onData(mail -> {
            inData.incrementAndGet();
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "250 2.0.0 Ok";
        });
        QueuedMessage busy =
                f.queue("sender@sender.test", List.of("a@example.test"), DeliveryFixture.message("busy", "x\r\n"));
        QueuedMessage waiting =
                f.queue("sender@sender.test", List.of("b@example.test"), DeliveryFixture.message("waiting", "x\r\n"));
        try {
            DeliveryScheduler s = f.start(
                    f.settings(sink.port()).maxConnectionsPerDestination(1).build());
            await().atMost(Duration.ofSeconds(10)).until(() -> inData.get() == 1);

            long t0 = System.nanoTime();
            s.stop(Duration.ofMillis(500));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
            f.scheduler = null;
        } finally {
            release.countDown();
        }
        for (QueuedMessage m : List.of(busy, waiting)) {
            QueuedMessage now = f.get(m.id()).orElseThrow();
            assertThat(now.recipients())
                    .allSatisfy(r -> assertThat(r.state()).isEqualTo(RecipientStatus.State.PENDING));
            assertThat(now.attempts()).isZero();
            assertThat(now.nextAttempt()).isEqualTo(m.nextAttempt());
        }
        assertThat(f.spool.updates()).isZero();
    }

    @Test
    void aNewSchedulerDeliversWhatAStopCutOffAtLeastOnce() {
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
        QueuedMessage cut =
                f.queue("sender@sender.test", List.of("a@example.test"), DeliveryFixture.message("cut", "x\r\n"));
        QueuedMessage next =
                f.queue("sender@sender.test", List.of("b@example.test"), DeliveryFixture.message("next", "x\r\n"));
        try {
            DeliveryScheduler s = f.start(
                    f.settings(sink.port()).maxConnectionsPerDestination(1).build());
            await().atMost(Duration.ofSeconds(10)).until(() -> inData.get() == 1);
            s.stop(Duration.ofMillis(300));
        } finally {
            release.countDown();
        }

        f.start(f.settings(sink.port()).build());
        f.awaitRemoved(cut.id());
        f.awaitRemoved(next.id());
        // the cut-off transaction may have reached the sink as well: a duplicate, never a loss
        List<String> subjects = sink.messages().stream()
                .map(x -> x.contentAsString().replaceAll("(?s).*Subject: (\\w+).*", "$1"))
                .toList();
        assertThat(subjects).contains("cut", "next");
        assertThat(subjects.stream().filter("next"::equals)).hasSize(1);
    }
}
