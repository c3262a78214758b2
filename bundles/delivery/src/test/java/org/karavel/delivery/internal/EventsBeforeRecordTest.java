package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.karavel.api.events.MessageEvent;
import org.karavel.api.events.MessageEvents;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.testkit.SmtpSink;

/**
 * A real delivery to a sink with an events service that holds its answer: the worker goes on to
 * the next message at once, but the spool records the attempt only once the events are stored, so
 * a crash in between repeats an event rather than losing it.
 */
class EventsBeforeRecordTest {
    @Test
    void theAttemptIsRecordedAfterItsEventsAreStoredAndNoWorkerWaitsForThem() throws Exception {
        List<List<MessageEvent>> handed = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Void>> stored = new CopyOnWriteArrayList<>();
        MessageEvents held = new MessageEvents() {
            @Override
            public void publish(MessageEvent event) {
                handed.add(List.of(event));
            }

            @Override
            public CompletionStage<Void> publishAllAsync(List<MessageEvent> events) {
                handed.add(List.copyOf(events));
                CompletableFuture<Void> f = new CompletableFuture<>();
                stored.add(f);
                return f;
            }
        };
        try (DeliveryFixture f = new DeliveryFixture();
                SmtpSink sink = SmtpSink.start()) {
            f.mx("example.test", 10, "mx1.example.test");
            f.events = new MessageEventsOut(() -> held);
            QueuedMessage first =
                    f.queue("app@sender.test", List.of("a@example.test"), DeliveryFixture.message("one", "body\r\n"));
            QueuedMessage second =
                    f.queue("app@sender.test", List.of("b@example.test"), DeliveryFixture.message("two", "body\r\n"));
            f.start(f.settings(sink.port()).build());

            // both delivered while the first attempt's events are not yet stored: nobody waited for them
            await().atMost(Duration.ofSeconds(20)).until(() -> sink.messages().size() == 2 && stored.size() == 2);
            assertThat(handed)
                    .allSatisfy(list -> assertThat(list)
                            .extracting(MessageEvent::type)
                            .containsExactly(MessageEvent.Type.DELIVERED));
            assertThat(f.spool.get(first.id())).isPresent();
            assertThat(f.spool.get(second.id())).isPresent();

            stored.forEach(s -> s.complete(null));
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> f.spool.get(first.id()).isEmpty()
                            && f.spool.get(second.id()).isEmpty());
        }
    }
}
