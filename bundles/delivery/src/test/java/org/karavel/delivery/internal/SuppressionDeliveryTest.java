package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.suppression.Suppression;
import org.karavel.api.suppression.SuppressionList;
import org.karavel.api.suppression.SuppressionPage;
import org.karavel.api.suppression.SuppressionQuery;
import org.karavel.testkit.SmtpSink;

/** Real deliveries to a sink: every hard bounce reaches the suppression list with its category, without waiting for it. */
class SuppressionDeliveryTest {
    /** Records what delivery hands over; answers with a stage that {@code answer} decides. */
    private static final class RecordingList implements SuppressionList {
        final List<List<String>> failures = new CopyOnWriteArrayList<>();
        final CompletableFuture<Optional<Suppression>> answer;

        RecordingList(CompletableFuture<Optional<Suppression>> answer) {
            this.answer = answer;
        }

        @Override
        public CompletionStage<Optional<Suppression>> permanentFailure(
                String address, String category, String reply, String queueId) {
            failures.add(List.of(address, category, reply, queueId));
            return answer;
        }

        @Override
        public Optional<Suppression> find(String address) {
            return Optional.empty();
        }

        @Override
        public Suppression add(Suppression entry) {
            return entry;
        }

        @Override
        public boolean remove(String address) {
            return false;
        }

        @Override
        public SuppressionPage list(SuppressionQuery query) {
            return new SuppressionPage(List.of(), "");
        }

        @Override
        public long count() {
            return 0;
        }

        @Override
        public int importEntries(Collection<Suppression> entries) {
            return 0;
        }

        @Override
        public void exportEntries(Consumer<? super Suppression> sink) {}
    }

    private static List<List<String>> toExample(RecordingList list) {
        return list.failures.stream()
                .filter(f -> f.get(0).endsWith("@example.test"))
                .toList();
    }

    @Test
    void hardBouncesReachTheListWithCategoryReplyAndQueueIdButDeferralsDoNot() throws Exception {
        RecordingList list = new RecordingList(CompletableFuture.completedFuture(Optional.empty()));
        try (DeliveryFixture f = new DeliveryFixture();
                SmtpSink sink = SmtpSink.start()) {
            sink.onRcpt(r -> r.startsWith("gone@")
                    ? "550 5.1.1 <gone@example.test>: user unknown"
                    : r.startsWith("full@") ? "552 5.2.2 mailbox full" : "450 4.2.0 try later");
            f.mx("example.test", 10, "mx1.example.test");
            f.suppression = new RecipientSuppression(() -> list);
            QueuedMessage m = f.queue(
                    "app@sender.test",
                    List.of("gone@example.test", "full@example.test", "later@example.test"),
                    DeliveryFixture.message("suppress", "body\r\n"));
            f.start(f.settings(sink.port()).build());

            // the DSN to app@sender.test bounces too (no such domain): only this message's recipients count here
            await().atMost(Duration.ofSeconds(20)).until(() -> toExample(list).size() == 2);
            assertThat(toExample(list))
                    .containsExactlyInAnyOrder(
                            List.of(
                                    "gone@example.test",
                                    "invalid_recipient",
                                    "550 5.1.1 <gone@example.test>: user unknown",
                                    m.id().value()),
                            List.of("full@example.test", "mailbox_full", "552 5.2.2 mailbox full", m.id().value()));
        }
    }

    @Test
    void aListThatNeverAnswersDoesNotHoldDeliveryUp() throws Exception {
        RecordingList list = new RecordingList(new CompletableFuture<>());
        try (DeliveryFixture f = new DeliveryFixture();
                SmtpSink sink = SmtpSink.start()) {
            sink.onRcpt(r -> "550 5.1.1 user unknown");
            f.mx("example.test", 10, "mx1.example.test");
            f.suppression = new RecipientSuppression(() -> list);
            QueuedMessage m = f.queue(
                    "app@sender.test", List.of("gone@example.test"), DeliveryFixture.message("stuck", "body\r\n"));
            f.start(f.settings(sink.port()).build());
            // the message is bounced (its DSN queued) and leaves the queue all the same
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> f.spool.get(m.id()).isEmpty());
            assertThat(toExample(list)).hasSize(1);
        }
    }

    @Test
    void withoutAListBouncesAreOnlyBounces() throws Exception {
        try (DeliveryFixture f = new DeliveryFixture();
                SmtpSink sink = SmtpSink.start()) {
            sink.onRcpt(r -> "550 5.1.1 user unknown");
            f.mx("example.test", 10, "mx1.example.test");
            f.suppression = new RecipientSuppression(() -> null);
            QueuedMessage m = f.queue(
                    "app@sender.test", List.of("gone@example.test"), DeliveryFixture.message("none", "body\r\n"));
            f.start(f.settings(sink.port()).build());
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> f.spool.get(m.id()).isEmpty());
            assertThat(f.dsns()).hasSize(1);
        }
    }
}
