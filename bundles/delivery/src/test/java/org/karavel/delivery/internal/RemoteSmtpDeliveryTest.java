package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.testkit.SmtpSink;

/** Remote SMTP delivery to the testkit's sink: content, envelope, connection reuse and limits. */
class RemoteSmtpDeliveryTest {
    private DeliveryFixture f;
    private SmtpSink sink;

    @BeforeEach
    void setUp() throws Exception {
        f = new DeliveryFixture();
        sink = SmtpSink.start();
        f.mx("example.test", 10, "mx1.example.test");
        f.mx("other.test", 10, "mx1.example.test");
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
        sink.close();
    }

    @Test
    void deliversTheContentByteExactWithTheEnvelope() {
        String body = ".leading dot\r\n..two dots\r\n.\r\nmiddle . dot\r\n. \r\nlast line\r\n";
        String content = DeliveryFixture.message("dots", body);
        QueuedMessage m = f.queue("sender@sender.test", List.of("a@example.test", "B@Example.Test"), content);

        f.start(f.settings(sink.port()).build());

        f.awaitRemoved(m.id());
        assertThat(sink.messages()).hasSize(1);
        SmtpSink.ReceivedMail mail = sink.messages().get(0);
        assertThat(mail.helo()).isEqualTo("karavel.test");
        assertThat(mail.sender()).isEqualTo("sender@sender.test");
        assertThat(mail.recipients()).containsExactly("a@example.test", "B@Example.Test");
        assertThat(mail.content()).isEqualTo(content.getBytes(StandardCharsets.UTF_8));
        assertThat(f.dsns()).isEmpty();
    }

    @Test
    void contentWithoutFinalLineEndGetsOneBeforeTheDot() {
        String content = DeliveryFixture.message("no crlf", "no line end at the end");
        QueuedMessage m = f.queue("sender@sender.test", List.of("a@example.test"), content);

        f.start(f.settings(sink.port()).build());

        f.awaitRemoved(m.id());
        assertThat(sink.messages().get(0).contentAsString()).isEqualTo(content + "\r\n");
    }

    @Test
    void severalMessagesToOneDestinationShareOneConnection() {
        List<QueuedMessage> ms = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ms.add(f.queue(
                    "sender@sender.test",
                    List.of("r" + i + "@example.test"),
                    DeliveryFixture.message("m" + i, "body " + i + "\r\n")));
        }

        f.start(f.settings(sink.port()).maxConnectionsPerDestination(1).build());

        ms.forEach(m -> f.awaitRemoved(m.id()));
        assertThat(sink.messages()).hasSize(6);
        assertThat(sink.transactions()).isEqualTo(6);
        assertThat(sink.connections()).isEqualTo(1).isLessThan(ms.size());
    }

    @Test
    void aConnectionCarriesAtMostMaxMessagesPerConnection() {
        List<QueuedMessage> ms = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ms.add(f.queue(
                    "sender@sender.test",
                    List.of("r" + i + "@example.test"),
                    DeliveryFixture.message("m" + i, "x\r\n")));
        }

        f.start(f.settings(sink.port())
                .maxConnectionsPerDestination(1)
                .maxMessagesPerConnection(2)
                .build());

        ms.forEach(m -> f.awaitRemoved(m.id()));
        assertThat(sink.messages()).hasSize(5);
        assertThat(sink.connections()).isEqualTo(3);
    }

    @Test
    void anIdleConnectionIsReusedForMailThatArrivesSoonAfter() {
        QueuedMessage first =
                f.queue("sender@sender.test", List.of("a@example.test"), DeliveryFixture.message("one", "1\r\n"));
        f.start(f.settings(sink.port()).connectionIdle(Duration.ofSeconds(10)).build());
        f.awaitRemoved(first.id());

        QueuedMessage second =
                f.queue("sender@sender.test", List.of("b@example.test"), DeliveryFixture.message("two", "2\r\n"));
        f.awaitRemoved(second.id());

        assertThat(sink.messages()).hasSize(2);
        assertThat(sink.connections()).isEqualTo(1);
        assertThat(f.scheduler.connections()).isEqualTo(1);
    }

    @Test
    void neverMoreConnectionsToOneDestinationThanTheLimit() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger active = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        sink.onData(mail -> {
            most.accumulateAndGet(active.incrementAndGet(), Math::max);
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            active.decrementAndGet();
            return "250 2.0.0 Ok";
        });
        List<QueuedMessage> ms = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ms.add(f.queue(
                    "sender@sender.test",
                    List.of("r" + i + "@example.test"),
                    DeliveryFixture.message("m" + i, "x\r\n")));
        }
        try {
            f.start(f.settings(sink.port()).maxConnectionsPerDestination(2).build());

            await().atMost(Duration.ofSeconds(10)).until(() -> active.get() == 2);
            await().during(Duration.ofMillis(500))
                    .atMost(Duration.ofSeconds(2))
                    .until(() -> active.get() == 2 && f.scheduler.connections() == 2);
        } finally {
            release.countDown();
        }
        ms.forEach(m -> f.awaitRemoved(m.id()));
        assertThat(most.get()).isEqualTo(2);
        assertThat(sink.connections()).isLessThanOrEqualTo(2);
    }

    @Test
    void neverMoreConnectionsInTotalThanTheLimit() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger active = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        sink.onData(mail -> {
            most.accumulateAndGet(active.incrementAndGet(), Math::max);
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            active.decrementAndGet();
            return "250 2.0.0 Ok";
        });
        List<QueuedMessage> ms = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ms.add(f.queue(
                    "sender@sender.test",
                    List.of("r" + i + "@example.test"),
                    DeliveryFixture.message("e" + i, "x\r\n")));
            ms.add(f.queue(
                    "sender@sender.test", List.of("r" + i + "@other.test"), DeliveryFixture.message("o" + i, "x\r\n")));
        }
        try {
            f.start(f.settings(sink.port())
                    .maxConnections(3)
                    .maxConnectionsPerDestination(5)
                    .build());

            await().atMost(Duration.ofSeconds(10)).until(() -> active.get() == 3);
            await().during(Duration.ofMillis(500))
                    .atMost(Duration.ofSeconds(2))
                    .until(() -> f.scheduler.connections() == 3);
        } finally {
            release.countDown();
        }
        ms.forEach(m -> f.awaitRemoved(m.id()));
        assertThat(most.get()).isEqualTo(3);
        assertThat(sink.messages()).hasSize(8);
    }
}
