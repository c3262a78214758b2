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

/**
 * Deadlines outbound against hostile real next hops: an endless multi-line reply (a line every
 * 100 ms, each read in time), a final dot never answered, and replies each in time that add up to
 * more than the transaction may take. Each attempt is cut at its (short) deadline, the message stays
 * queued, deferred 4.4.2, and the next attempt, to a next hop that behaves by then, delivers it.
 */
class OutboundDeadlineTest {
    private DeliveryFixture f;
    private HostileNextHop hop;

    @BeforeEach
    void setUp() throws Exception {
        f = new DeliveryFixture();
        f.mx("example.test", 10, "mx.example.test");
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
        hop.close();
    }

    private DeliverySettings.Builder settings() {
        return f.settings(hop.port())
                .replyTimeout(Duration.ofSeconds(1))
                .dataDoneTimeout(Duration.ofSeconds(1))
                .minBackoff(Duration.ofSeconds(2))
                .maxBackoff(Duration.ofSeconds(2));
    }

    private QueuedMessage queue() {
        return f.queue(
                "sender@sender.test",
                List.of("a@example.test", "b@example.test", "c@example.test"),
                DeliveryFixture.message("deadline", "hello\r\n"));
    }

    @Test
    void anEndlessMultiLineReplyIsCutAtTheReplyDeadlineAndTheMessageIsRetried() throws Exception {
        hop = new HostileNextHop(HostileNextHop.Trick.ENDLESS_EHLO_REPLY, 1);
        QueuedMessage m = queue();
        f.start(settings().build());

        QueuedMessage first = f.awaitAttempts(m.id(), 1);
        RecipientStatus r = first.recipients().get(0);
        assertThat(r.state()).isEqualTo(RecipientStatus.State.PENDING);
        assertThat(r.lastReply()).contains("timed out while sending EHLO").contains("reply deadline of 1 s");
        assertThat(f.dsns()).isEmpty();

        f.awaitRemoved(m.id());
        assertThat(hop.connections()).isEqualTo(2);
        assertThat(hop.delivered()).hasSize(1);
    }

    @Test
    void aFinalDotNeverAnsweredIsCutAtTheEndOfDataDeadlineAndTheMessageIsRetried() throws Exception {
        hop = new HostileNextHop(HostileNextHop.Trick.SILENT_AFTER_DATA, 1);
        QueuedMessage m = queue();
        long start = System.nanoTime();
        f.start(settings().build());

        QueuedMessage first = f.awaitAttempts(m.id(), 1);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(first.recipients()).allSatisfy(r -> {
            assertThat(r.state()).isEqualTo(RecipientStatus.State.PENDING);
            assertThat(r.lastReply()).contains("timed out while sending end of data");
        });

        f.awaitRemoved(m.id());
        assertThat(hop.delivered()).hasSize(1);
        assertThat(f.dsns()).isEmpty();
    }

    @Test
    void aTransactionLongerThanItsDeadlineIsCutAlthoughEveryReplyCameInTime() throws Exception {
        // MAIL, 3 RCPT, DATA, end: 6 replies of 300 ms each, 1.8 s in all; the transaction may take 1 s
        hop = new HostileNextHop(HostileNextHop.Trick.SLOW_REPLIES, 1);
        QueuedMessage m = queue();
        f.start(settings()
                .replyTimeout(Duration.ofSeconds(5))
                .dataDoneTimeout(Duration.ofSeconds(5))
                .transactionTimeout(Duration.ofSeconds(1))
                .build());

        QueuedMessage first = f.awaitAttempts(m.id(), 1);
        assertThat(first.recipients().get(0).lastReply())
                .contains("transaction deadline of 1 s")
                .startsWith("conversation with mx.example.test[127.0.0.1]:");
        assertThat(first.recipients().get(0).state()).isEqualTo(RecipientStatus.State.PENDING);

        f.awaitRemoved(m.id());
        assertThat(hop.delivered()).hasSize(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> f.scheduler.inFlight() == 0);
    }

    @Test
    void anLmtpServerThatNeverAnswersTheFinalDotIsCutAndTriedAgain() throws Exception {
        hop = new HostileNextHop(HostileNextHop.Trick.SILENT_AFTER_DATA, 1);
        f.localDomains.add("local.test");
        QueuedMessage m = f.queue(
                "sender@sender.test",
                List.of("a@local.test", "b@local.test"),
                DeliveryFixture.message("lmtp deadline", "hello\r\n"));
        f.start(settings().localTransport("lmtp:[127.0.0.1]:" + hop.port()).build());

        QueuedMessage first = f.awaitAttempts(m.id(), 1);
        assertThat(first.recipients()).allSatisfy(r -> {
            assertThat(r.state()).isEqualTo(RecipientStatus.State.PENDING);
            assertThat(r.lastReply())
                    .contains("timed out while sending end of data")
                    .contains("reply deadline of 1 s");
        });

        f.awaitRemoved(m.id());
        assertThat(hop.delivered()).hasSize(1);
        assertThat(f.dsns()).isEmpty();
    }
}
