package org.karavel.events.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.events.MessageEvent;

/** A webhook against a real HTTP server on 127.0.0.1 and a real outbox in a temporary directory. */
class WebhookTest {
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private final EventsCounters counters = new EventsCounters();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger badSignatures = new AtomicInteger();
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private volatile IntUnaryOperator status = n -> 200;
    private HttpServer server;
    private EventOutbox outbox;
    private Webhook webhook;

    @AfterEach
    void stop() {
        if (webhook != null) {
            webhook.stop();
        }
        timer.shutdownNow();
        if (server != null) {
            server.stop(0);
        }
        if (outbox != null) {
            outbox.close();
        }
    }

    private void start(int batchSize, Duration batchAge, Set<MessageEvent.Type> types) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/hook", x -> {
            byte[] body = x.getRequestBody().readAllBytes();
            int n = requests.incrementAndGet();
            String sig = x.getRequestHeaders().getFirst(WebhookSignature.HEADER);
            String t = sig == null ? "" : sig.replaceAll("^t=(\\d+),.*", "$1");
            if (sig == null || !sig.equals(WebhookSignature.header(KEY, Long.parseLong(t), body))) {
                badSignatures.incrementAndGet();
            }
            int code = status.applyAsInt(n);
            if (code == 200) {
                new ObjectMapper().readTree(body).forEach(received::add);
            }
            byte[] answer = (code == 200 ? "ok" : "no: status " + code).getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(code, answer.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(answer);
            }
        });
        server.start();
        outbox = new EventOutbox(dir, 1 << 20, 64 << 10, counters, json -> {});
        WebhookSettings s = new WebhookSettings(
                "app",
                URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook"),
                KEY,
                types,
                batchSize,
                batchAge,
                Duration.ofSeconds(2),
                Duration.ofSeconds(5),
                Duration.ofMillis(50),
                Duration.ofMillis(200),
                Duration.ofHours(1));
        webhook = new Webhook(s, outbox, counters, HttpClient.newHttpClient(), timer, Clock.systemUTC());
        webhook.start();
    }

    private void publish(MessageEvent.Type type, int from, int to) {
        for (int i = from; i < to; i++) {
            outbox.appendAndWait(MessageEvent.of(type, Instant.now(), "Q" + i), Duration.ofSeconds(5));
        }
    }

    @Test
    void retriedWhileTheEndpointFailsThenEveryEventArrivesInOrder() throws IOException {
        status = n -> n <= 3 ? 503 : 200;
        start(10, Duration.ofMillis(100), EnumSet.allOf(MessageEvent.Type.class));
        publish(MessageEvent.Type.DELIVERED, 0, 25);
        await().atMost(Duration.ofSeconds(20)).until(() -> received.size() >= 25);
        assertThat(received)
                .extracting(e -> e.get("queue_id").asText())
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 25)
                        .mapToObj(i -> "Q" + i)
                        .toList());
        assertThat(badSignatures.get()).isZero();
        assertThat(counters.sent("app")).isEqualTo(25);
        await().atMost(Duration.ofSeconds(5)).until(() -> webhook.backlog() == 0);
        assertThat(outbox.cursor("app")).isEqualTo(25);
        assertThat(counters.metrics(0))
                .filteredOn(m -> m.name().equals("karavel_events_failures_total"))
                .singleElement()
                .satisfies(m -> assertThat(m.samples().get(0).value()).isEqualTo(3));
    }

    @Test
    void aRefusalParksTheEndpointWithTheEventsKept() throws IOException {
        status = n -> 400;
        start(10, Duration.ZERO, EnumSet.allOf(MessageEvent.Type.class));
        publish(MessageEvent.Type.BOUNCED, 0, 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> requests.get() >= 1);
        // no hot loop: the one request, nothing more while parked (refused_backoff one hour)
        await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(3)).until(() -> requests.get() == 1);
        assertThat(webhook.backlog()).isEqualTo(3);
        assertThat(outbox.cursor("app")).isZero();
    }

    @Test
    void onlyTheChosenTypesAreSentAndTheCursorPassesTheOthers() throws IOException {
        start(100, Duration.ofMillis(50), EnumSet.of(MessageEvent.Type.BOUNCED));
        publish(MessageEvent.Type.DELIVERED, 0, 4);
        publish(MessageEvent.Type.BOUNCED, 4, 6);
        publish(MessageEvent.Type.DELIVERED, 6, 8);
        await().atMost(Duration.ofSeconds(10)).until(() -> webhook.backlog() == 0);
        assertThat(received).extracting(e -> e.get("queue_id").asText()).containsExactly("Q4", "Q5");
        assertThat(received).allMatch(e -> e.get("type").asText().equals("bounced"));
    }

    @Test
    void anEndpointThatIsDownHoldsNoOther() throws IOException {
        start(5, Duration.ofMillis(50), EnumSet.allOf(MessageEvent.Type.class));
        AtomicInteger downRequests = new AtomicInteger();
        server.createContext("/down", x -> {
            x.getRequestBody().readAllBytes();
            downRequests.incrementAndGet();
            x.sendResponseHeaders(503, -1);
            x.close();
        });
        WebhookSettings downSettings = new WebhookSettings(
                "down",
                URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/down"),
                KEY,
                EnumSet.allOf(MessageEvent.Type.class),
                5,
                Duration.ofMillis(50),
                Duration.ofSeconds(2),
                Duration.ofSeconds(5),
                Duration.ofMillis(50),
                Duration.ofMillis(200),
                Duration.ofHours(1));
        Webhook down =
                new Webhook(downSettings, outbox, counters, HttpClient.newHttpClient(), timer, Clock.systemUTC());
        down.start();
        try {
            publish(MessageEvent.Type.DELIVERED, 0, 12);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> received.size() >= 12 && downRequests.get() >= 2 && webhook.backlog() == 0);
            assertThat(down.backlog()).isEqualTo(12);
            assertThat(outbox.cursor("down")).isZero();
        } finally {
            down.stop();
        }
    }

    @Test
    void aSmallBatchGoesOutWhenItIsOldEnough() throws IOException {
        start(100, Duration.ofMillis(300), EnumSet.allOf(MessageEvent.Type.class));
        publish(MessageEvent.Type.RECEIVED, 0, 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
        assertThat(requests.get()).isEqualTo(1);
    }
}
