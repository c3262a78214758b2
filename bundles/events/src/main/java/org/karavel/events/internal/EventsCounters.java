package org.karavel.events.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.karavel.api.events.MessageEvent;
import org.karavel.api.metrics.CounterFamily;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.Metric.Type;

/** The events bundle's figures since start, published as metric source {@code events}. */
final class EventsCounters {
    private final CounterFamily published =
            new CounterFamily("karavel_events_published_total", "Events stored in the outbox, by type.", "type");
    private final LongAdder dropped = new LongAdder();
    private final LongAdder lost = new LongAdder();
    private final LongAdder groupCommits = new LongAdder();
    private final CounterFamily sent = new CounterFamily(
            "karavel_events_sent_total", "Events an endpoint accepted (2xx), by endpoint.", "endpoint");
    private final CounterFamily failures = new CounterFamily(
            "karavel_events_failures_total",
            "Webhook requests that failed, by endpoint and reason (http_5xx, http_408, http_429, http_4xx, "
                    + "connection, timeout).",
            "endpoint",
            "reason");
    private final Map<String, LongSupplier> backlogs = new ConcurrentHashMap<>();

    void published(MessageEvent.Type type) {
        published.increment(type.word());
    }

    void dropped(long n) {
        dropped.add(n);
    }

    void lost() {
        lost.increment();
    }

    void groupCommit() {
        groupCommits.increment();
    }

    void sent(String endpoint, int n) {
        sent.add(n, endpoint);
    }

    void failure(String endpoint, String reason) {
        failures.increment(endpoint, reason);
    }

    long sent(String endpoint) {
        return sent.count(endpoint);
    }

    long groupCommits() {
        return groupCommits.sum();
    }

    long dropped() {
        return dropped.sum();
    }

    void backlog(String endpoint, LongSupplier backlog) {
        if (backlog == null) {
            backlogs.remove(endpoint);
        } else {
            backlogs.put(endpoint, backlog);
            sent.add(0, endpoint);
        }
    }

    List<Metric> metrics(long storedBytes) {
        List<Metric.Sample> backlog = new ArrayList<>();
        backlogs.forEach((name, n) -> backlog.add(new Metric.Sample(Map.of("endpoint", name), n.getAsLong())));
        return List.of(
                published.metric(),
                sent.metric(),
                failures.metric(),
                new Metric(
                        "karavel_events_backlog",
                        "Events stored and not yet accepted by the endpoint.",
                        Type.GAUGE,
                        backlog),
                Metric.of(
                        "karavel_events_dropped_total",
                        "Events dropped unsent because the outbox passed max_size_mb (oldest first).",
                        Type.COUNTER,
                        dropped.sum()),
                Metric.of(
                        "karavel_events_lost_total",
                        "Events not stored at all: the outbox was closed or too far behind the disk.",
                        Type.COUNTER,
                        lost.sum()),
                Metric.of(
                        "karavel_events_group_commits_total",
                        "Forces of the outbox to disk (each serves every event that arrived meanwhile).",
                        Type.COUNTER,
                        groupCommits.sum()),
                Metric.of(
                        "karavel_events_stored_bytes", "Size of the outbox's segment files.", Type.GAUGE, storedBytes));
    }
}
