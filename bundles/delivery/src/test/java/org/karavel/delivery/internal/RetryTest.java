package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.testkit.SmtpSink;

/** Temporary failures: deferral with backoff, then a flush and success. */
class RetryTest {
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
    void aScanThatReadTheQueueBeforeAnAttemptSettledSendsNothingAgain() throws Exception {
        StaleDueSpool spool = new StaleDueSpool();
        try (DeliveryFixture stale = new DeliveryFixture(spool)) {
            stale.mx("example.test", 10, "mx1.example.test");
            sink.onRcpt(r -> r.startsWith("later@") ? "451 4.3.0 Not now" : "250 2.1.5 Ok");
            QueuedMessage m = stale.queue(
                    "sender@sender.test",
                    List.of("good@example.test", "later@example.test"),
                    DeliveryFixture.message("stale", "x\r\n"));
            stale.start(stale.settings(sink.port()).build());
            QueuedMessage first = stale.awaitAttempts(m.id(), 1);
            assertThat(first.recipients().get(0).state()).isEqualTo(RecipientStatus.State.DELIVERED);
            assertThat(sink.messages()).hasSize(1);

            // the message as a scan read it before that attempt settled: both recipients pending, due now
            spool.answerNextScanWith(List.of(m));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> spool.scansAfterStaleAnswer() >= 1 && stale.scheduler.inFlight() == 0);

            assertThat(sink.messages())
                    .as("good@example.test got its message once")
                    .hasSize(1);
            assertThat(stale.get(m.id()).orElseThrow().attempts()).isEqualTo(1);
        }
    }

    @Test
    void aTemporaryRefusalDefersWithBackoffThenAFlushDelivers() {
        sink.onRcpt(r -> "451 4.7.1 greylisted, try again later");
        Instant before = Instant.now();
        QueuedMessage m =
                f.queue("sender@sender.test", List.of("a@example.test"), DeliveryFixture.message("retry", "x\r\n"));
        f.start(f.settings(sink.port()).build());

        QueuedMessage first = f.awaitAttempts(m.id(), 1);
        Instant after = Instant.now();
        RecipientStatus r = first.recipients().get(0);
        assertThat(r.state()).isEqualTo(RecipientStatus.State.PENDING);
        assertThat(r.lastReply()).isEqualTo("451 4.7.1 greylisted, try again later");
        assertThat(r.remoteHost()).isEqualTo("mx1.example.test");
        assertThat(first.attempts()).isEqualTo(1);
        assertThat(first.nextAttempt()).isBetween(before.plusSeconds(300), after.plusSeconds(300));
        assertThat(sink.messages()).isEmpty();

        // still refused: the second wait doubles
        assertThat(f.spool.flush(m.id())).isTrue();
        Instant beforeSecond = Instant.now();
        QueuedMessage second = f.awaitAttempts(m.id(), 2);
        assertThat(second.nextAttempt())
                .isBetween(beforeSecond.plusSeconds(600), Instant.now().plusSeconds(600));

        sink.onRcpt(x -> "250 2.1.5 Ok");
        assertThat(f.spool.flush(m.id())).isTrue();
        f.awaitRemoved(m.id());
        assertThat(sink.messages()).hasSize(1);
        assertThat(f.dsns()).isEmpty();
    }

    @Test
    void aTemporaryRefusalAtTheEndOfDataDefersEveryRecipient() {
        sink.onData(mail -> "452 4.3.1 insufficient system storage");
        QueuedMessage m = f.queue(
                "sender@sender.test",
                List.of("a@example.test", "b@example.test"),
                DeliveryFixture.message("storage", "x\r\n"));
        f.start(f.settings(sink.port()).minBackoff(Duration.ofSeconds(60)).build());

        QueuedMessage after = f.awaitAttempts(m.id(), 1);
        assertThat(after.recipients()).allSatisfy(r -> {
            assertThat(r.state()).isEqualTo(RecipientStatus.State.PENDING);
            assertThat(r.lastReply()).isEqualTo("452 4.3.1 insufficient system storage");
        });
        assertThat(after.nextAttempt())
                .isAfter(Instant.now().plusSeconds(50))
                .isBefore(Instant.now().plusSeconds(61));
    }

    @Test
    void theBackoffDoublesFromTheMinimumUpToTheMaximum() {
        Backoff b = new Backoff(Duration.ofSeconds(300), Duration.ofSeconds(14400));
        assertThat(List.of(1, 2, 3, 4, 5, 6, 7, 8, 100, Integer.MAX_VALUE).stream()
                        .map(n -> b.after(n).toSeconds())
                        .toList())
                .containsExactly(300L, 600L, 1200L, 2400L, 4800L, 9600L, 14400L, 14400L, 14400L, 14400L);
        assertThat(b.after(0)).isEqualTo(Duration.ofSeconds(300));
    }
}
