package org.karavel.events.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.karavel.api.events.MessageEvent;
import org.karavel.api.events.MessageEvents;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.MetricSource;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link MessageEvents} service: each event is stored in the outbox (waiting for its group
 * commit, so that it survives a crash), then written to the JSON event log, and the webhooks take it
 * from there. A configuration change reopens the outbox (and so restarts the webhooks).
 */
@Component(
        service = {MessageEvents.class, MetricSource.class, EventStore.class},
        configurationPid = "org.karavel.events",
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = MetricSource.SOURCE + "=events")
@Designate(ocd = EventsConfig.class)
public final class EventsComponent implements MessageEvents, MetricSource, EventStore {
    private static final Logger LOG = LoggerFactory.getLogger(EventsComponent.class);
    /** One JSON object per line, the webhook payload's element; its own file in the distribution. */
    private static final Logger JSON_LOG = LoggerFactory.getLogger("karavel.events");

    private static final long MIB = 1024 * 1024;

    private final EventsCounters counters = new EventsCounters();
    private final EventOutbox outbox;
    private final Duration publishWait;

    @Activate
    public EventsComponent(EventsConfig config) throws IOException {
        Path dir = directory(config.directory());
        long max = Math.max(1, config.max__size__mb()) * MIB;
        long segment = Math.max(64 * 1024, Math.min(Math.max(1, config.segment__size__mb()) * MIB, max / 8));
        boolean jsonLog = config.json__log();
        outbox = new EventOutbox(
                dir, max, segment, counters, jsonLog ? json -> JSON_LOG.info(EventJson.text(json)) : json -> {});
        publishWait = Duration.ofMillis(Math.max(0, config.publish__wait__millis()));
        LOG.info(
                "events: outbox in {} ({} MiB at most, {} event(s) held), JSON event log {}",
                dir,
                max / MIB,
                outbox.end() - outbox.start(),
                jsonLog ? "on (logger karavel.events)" : "off");
    }

    static Path directory(String configured) {
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured.trim());
        }
        String data = System.getProperty("karaf.data");
        return data == null ? Path.of("data", "events") : Path.of(data, "events");
    }

    @Deactivate
    void deactivate() {
        outbox.close();
    }

    /**
     * Waits for the event's group commit, except on a MINA I/O thread, which must never wait (the
     * event is then stored a moment later, at the next commit).
     */
    @Override
    public void publish(MessageEvent event) {
        if (Thread.currentThread().getName().startsWith("NioProcessor")) {
            outbox.append(event);
        } else {
            outbox.appendAndWait(event, publishWait);
        }
    }

    /** One wait, for the group commit of the last of them (the writer stores them in order). */
    @Override
    public void publishAll(List<MessageEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        boolean wait = !Thread.currentThread().getName().startsWith("NioProcessor");
        for (int i = 0; i < events.size() - 1; i++) {
            outbox.append(events.get(i));
        }
        MessageEvent last = events.get(events.size() - 1);
        if (wait) {
            outbox.appendAndWait(last, publishWait);
        } else {
            outbox.append(last);
        }
    }

    /**
     * Returns at once; the stage completes on the outbox's notifier once the events are on disk, or
     * after publish_wait_millis at most, never exceptionally (the outbox logs what it lost).
     */
    @Override
    public CompletionStage<Void> publishAllAsync(List<MessageEvent> events) {
        if (events.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return outbox.appendLater(events)
                .completeOnTimeout(null, publishWait.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionally(e -> null);
    }

    @Override
    public EventOutbox outbox() {
        return outbox;
    }

    @Override
    public EventsCounters counters() {
        return counters;
    }

    @Override
    public List<Metric> metrics() {
        return counters.metrics(outbox.bytes());
    }
}
