package org.karavel.events.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One endpoint's delivery: reads the outbox from its own cursor, posts batches of events as a signed
 * JSON array, moves the cursor on a 2xx. While the endpoint fails (5xx, 408, 429, no connection,
 * timeout) the same events are retried with exponential backoff; any other answer is logged at
 * ERROR and the endpoint parked for {@code refused_backoff_seconds}: the events stay, nothing spins.
 * One request at a time, so the endpoint sees the events in order.
 */
final class Webhook {
    private static final Logger LOG = LoggerFactory.getLogger(Webhook.class);
    private static final int EXCERPT = 300;

    private final WebhookSettings settings;
    private final EventOutbox outbox;
    private final EventsCounters counters;
    private final HttpClient http;
    private final ScheduledExecutorService timer;
    private final Clock clock;
    private final Runnable wake = this::wake;

    private long cursor;
    private boolean stopped;
    private boolean busy;
    private Instant waitingSince;
    private Instant retryAt;
    private int failures;
    private ScheduledFuture<?> scheduled;
    private CompletableFuture<?> inFlight;

    Webhook(
            WebhookSettings settings,
            EventOutbox outbox,
            EventsCounters counters,
            HttpClient http,
            ScheduledExecutorService timer,
            Clock clock) {
        this.settings = settings;
        this.outbox = outbox;
        this.counters = counters;
        this.http = http;
        this.timer = timer;
        this.clock = clock;
    }

    synchronized void start() throws IOException {
        cursor = outbox.cursor(settings.name());
        counters.backlog(settings.name(), this::backlog);
        outbox.onCommit(wake);
        LOG.info(
                "events: webhook '{}' to {} ({}), {} event(s) waiting",
                settings.name(),
                settings.url(),
                settings.types().size() == 8 ? "all events" : settings.types(),
                backlog());
        wake();
    }

    synchronized void stop() {
        stopped = true;
        outbox.removeOnCommit(wake);
        counters.backlog(settings.name(), null);
        outbox.stopped(settings.name());
        if (scheduled != null) {
            scheduled.cancel(false);
        }
        if (inFlight != null) {
            inFlight.cancel(true);
        }
    }

    synchronized long backlog() {
        return Math.max(0, outbox.end() - cursor);
    }

    /** Something may be due: looked at on the timer thread, never the caller's. */
    private void wake() {
        timer.execute(this::send);
    }

    private synchronized void send() {
        if (stopped || busy) {
            return;
        }
        Instant now = clock.instant();
        if (retryAt != null && now.isBefore(retryAt)) {
            later(retryAt);
            return;
        }
        retryAt = null;
        long waiting = outbox.end() - cursor;
        if (waiting <= 0) {
            waitingSince = null;
            return;
        }
        if (waitingSince == null) {
            waitingSince = now;
        }
        Instant due = waitingSince.plus(settings.batchAge());
        if (waiting < settings.batchSize() && now.isBefore(due)) {
            later(due);
            return;
        }
        List<OutboxRecord> batch;
        try {
            batch = outbox.read(cursor, settings.batchSize());
        } catch (IOException e) {
            LOG.error("events: webhook '{}': cannot read the outbox: {}", settings.name(), e.toString());
            failed("outbox", null);
            return;
        }
        if (batch.isEmpty()) {
            return;
        }
        long next = batch.get(batch.size() - 1).seq() + 1;
        List<OutboxRecord> wanted =
                batch.stream().filter(r -> settings.types().contains(r.type())).toList();
        if (wanted.isEmpty()) {
            accepted(next, 0);
            return;
        }
        post(wanted, next);
    }

    private void post(List<OutboxRecord> records, long next) {
        byte[] body = body(records);
        long t = clock.instant().getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(settings.url())
                .timeout(settings.timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "Karavel")
                .header(WebhookSignature.HEADER, WebhookSignature.header(settings.key(), t, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        busy = true;
        inFlight = http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .whenComplete((response, failure) -> answered(response, failure, next, records.size()));
    }

    static byte[] body(List<OutboxRecord> records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write('[');
        for (int i = 0; i < records.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            out.writeBytes(records.get(i).json());
        }
        out.write(']');
        return out.toByteArray();
    }

    private synchronized void answered(HttpResponse<String> response, Throwable failure, long next, int n) {
        busy = false;
        inFlight = null;
        if (stopped) {
            return;
        }
        if (failure != null) {
            Throwable cause =
                    failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            String reason = cause instanceof HttpConnectTimeoutException || cause instanceof ConnectException
                    ? "connection"
                    : cause instanceof HttpTimeoutException ? "timeout" : "connection";
            failed(reason, cause.toString());
            return;
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            if (failures > 0) {
                LOG.info(
                        "events: webhook '{}' accepts events again ({} after {} failure(s))",
                        settings.name(),
                        status,
                        failures);
            }
            accepted(next, n);
        } else if (status >= 500 || status == 408 || status == 429) {
            failed(status >= 500 ? "http_5xx" : "http_" + status, "HTTP " + status + " " + excerpt(response.body()));
        } else {
            refused(status, response.body());
        }
    }

    private void accepted(long next, int n) {
        try {
            outbox.ack(settings.name(), next);
        } catch (IOException e) {
            LOG.warn(
                    "events: webhook '{}': cannot save its cursor ({}); events may be sent again",
                    settings.name(),
                    e.toString());
        }
        cursor = next;
        failures = 0;
        waitingSince = null;
        counters.sent(settings.name(), n);
        wake();
    }

    /** A failure worth retrying soon: exponential backoff with jitter, up to max_backoff. */
    private void failed(String reason, String detail) {
        counters.failure(settings.name(), reason);
        failures++;
        long min = settings.minBackoff().toMillis();
        long max = settings.maxBackoff().toMillis();
        long delay = Math.min(max, min << Math.min(failures - 1, 30));
        delay = Math.min(max, delay + ThreadLocalRandom.current().nextLong(delay / 4 + 1));
        retryAt = clock.instant().plusMillis(delay);
        LOG.warn(
                "events: webhook '{}' failed ({}), {} event(s) waiting; retry in {} ms (failure {})",
                settings.name(),
                detail == null ? reason : detail,
                backlog(),
                delay,
                failures);
        later(retryAt);
    }

    /** An answer that retrying will not change: said once at ERROR, the events kept, the endpoint parked. */
    private void refused(int status, String body) {
        counters.failure(settings.name(), "http_4xx");
        failures++;
        retryAt = clock.instant().plus(settings.refusedBackoff());
        LOG.error(
                "events: webhook '{}' refused the events with HTTP {} ({}); they are kept and offered again in {} s "
                        + "(or at once when its file in etc/ is saved)",
                settings.name(),
                status,
                excerpt(body),
                settings.refusedBackoff().toSeconds());
        later(retryAt);
    }

    private void later(Instant at) {
        if (scheduled != null && !scheduled.isDone()) {
            scheduled.cancel(false);
        }
        long millis = Math.max(0, Duration.between(clock.instant(), at).toMillis());
        scheduled = timer.schedule(this::send, millis, TimeUnit.MILLISECONDS);
    }

    private static String excerpt(String body) {
        if (body == null) {
            return "";
        }
        String one = body.replaceAll("[\\r\\n\\t]+", " ").strip();
        return one.length() > EXCERPT ? one.substring(0, EXCERPT) + "..." : one;
    }

    static String text(byte[] body) {
        return new String(body, StandardCharsets.UTF_8);
    }
}
