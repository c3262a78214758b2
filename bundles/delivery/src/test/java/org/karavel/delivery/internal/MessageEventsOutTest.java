package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.karavel.api.events.MessageEvent;
import org.karavel.api.events.MessageEvents;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;

/** Each outcome as the event an application gets; the events service is a list here. */
class MessageEventsOutTest {
    private static final Instant NOW = Instant.parse("2026-12-07T10:15:30Z");
    private final List<MessageEvent> published = new CopyOnWriteArrayList<>();
    private final MessageEventsOut out = new MessageEventsOut(() -> published::add);

    private static QueuedMessage message() {
        var env = DeliveryFixture.envelope(
                "app@sender.test", List.of("a@example.test"), NOW.minusSeconds(60), Map.of("ENVID", "order-1"));
        return new QueuedMessage(
                new QueueId("ABC123"),
                env,
                List.of(RecipientStatus.pending(env.recipients().get(0))),
                10,
                0,
                NOW,
                false);
    }

    private static RecipientResult result(RecipientResult.Outcome outcome, String reply) {
        return new RecipientResult(
                0,
                DeliveryFixture.address("a@example.test"),
                outcome,
                reply.substring(4, 9),
                reply,
                "mx.example.test",
                "mx.example.test[192.0.2.1]:25",
                NOW);
    }

    @Test
    void aBounceWithItsCategoryAndTheClientsEnvid() {
        out.result(
                message(),
                result(RecipientResult.Outcome.BOUNCED, "550 5.1.1 no such user"),
                1,
                BounceCategory.INVALID_RECIPIENT,
                false);
        assertThat(published).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(MessageEvent.Type.BOUNCED);
            assertThat(e.queueId()).isEqualTo("ABC123");
            assertThat(e.sender()).isEqualTo("app@sender.test");
            assertThat(e.recipients()).containsExactly("a@example.test");
            assertThat(e.remoteHost()).isEqualTo("mx.example.test[192.0.2.1]:25");
            assertThat(e.reply()).isEqualTo("550 5.1.1 no such user");
            assertThat(e.category()).isEqualTo("invalid_recipient");
            assertThat(e.attempts()).isEqualTo(1);
            assertThat(e.envid()).isEqualTo("order-1");
            assertThat(e.at()).isEqualTo(NOW);
        });
    }

    @Test
    void deliveredDeferredExpiredAndTlsFailure() {
        QueuedMessage m = message();
        out.result(m, result(RecipientResult.Outcome.DELIVERED, "250 2.0.0 ok"), 1, null, false);
        out.result(
                m, result(RecipientResult.Outcome.DEFERRED, "451 4.7.5 no TLS"), 2, BounceCategory.TLS_FAILURE, false);
        out.result(m, result(RecipientResult.Outcome.BOUNCED, "554 5.4.7 expired"), 3, BounceCategory.OTHER, true);
        assertThat(published)
                .extracting(MessageEvent::type)
                .containsExactly(
                        MessageEvent.Type.DELIVERED,
                        MessageEvent.Type.DEFERRED,
                        MessageEvent.Type.TLS_FAILURE,
                        MessageEvent.Type.EXPIRED);
        assertThat(published.get(0).category()).isEmpty();
        assertThat(published.get(2).category()).isEqualTo("tls_failure");
        assertThat(published).extracting(MessageEvent::id).doesNotHaveDuplicates();
    }

    @Test
    void theDsnNamesItsQueueId() {
        QueuedMessage m = message();
        var failed = new DeliveryStatusNotification.FailedRecipient(
                DeliveryFixture.address("a@example.test"), "5.1.1", "550 5.1.1 no", "mx.example.test", NOW, false);
        out.dsnSent(m, List.of(failed), new QueueId("DSN1"));
        assertThat(published).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(MessageEvent.Type.DSN_SENT);
            assertThat(e.reply()).isEqualTo("DSN queued as DSN1");
            assertThat(e.recipients()).containsExactly("a@example.test");
        });
    }

    @Test
    void anAttemptsEventsGoTogether() {
        List<List<MessageEvent>> calls = new CopyOnWriteArrayList<>();
        MessageEventsOut.Attempt attempt = new MessageEventsOut(() -> new MessageEvents() {
                    @Override
                    public void publish(MessageEvent event) {
                        calls.add(List.of(event));
                    }

                    @Override
                    public void publishAll(List<MessageEvent> events) {
                        calls.add(List.copyOf(events));
                    }
                })
                .attempt();
        QueuedMessage m = message();
        attempt.result(m, result(RecipientResult.Outcome.DELIVERED, "250 2.0.0 ok"), 1, null, false);
        attempt.result(m, result(RecipientResult.Outcome.BOUNCED, "550 5.1.1 no"), 1, BounceCategory.OTHER, false);
        assertThat(calls).isEmpty();
        attempt.publish();
        assertThat(calls)
                .singleElement()
                .satisfies(c -> assertThat(c)
                        .extracting(MessageEvent::type)
                        .containsExactly(MessageEvent.Type.DELIVERED, MessageEvent.Type.BOUNCED));
    }

    @Test
    void withoutTheEventsServiceNothingHappens() {
        new MessageEventsOut(() -> null)
                .result(message(), result(RecipientResult.Outcome.DELIVERED, "250 2.0.0 ok"), 1, null, false);
        assertThat(published).isEmpty();
    }
}
