package org.karavel.spool.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.Metric.Type;

/** The spool's gauges, built on demand from the index: queue size, bytes, age of the oldest message. */
final class SpoolMetrics {
    private SpoolMetrics() {}

    static List<Metric> of(
            int size,
            long bytes,
            Instant oldestReceived,
            Instant now,
            long commits,
            int quarantined,
            boolean reserveReleased) {
        double age = oldestReceived == null
                ? 0
                : Math.max(0, Duration.between(oldestReceived, now).toMillis() / 1000.0);
        return List.of(
                Metric.of("karavel_spool_messages", "Messages in the queue.", Type.GAUGE, size),
                Metric.of("karavel_spool_bytes", "Content octets of every queued message.", Type.GAUGE, bytes),
                Metric.of(
                        "karavel_spool_oldest_message_age_seconds",
                        "Seconds since the oldest queued message was received (0 when the queue is empty).",
                        Type.GAUGE,
                        age),
                Metric.of(
                        "karavel_spool_commits_total",
                        "Durable (fsynced) commits since the spool opened.",
                        Type.COUNTER,
                        commits),
                Metric.of(
                        "karavel_spool_quarantined_records",
                        "Records in quarantine (unreadable at a start).",
                        Type.GAUGE,
                        quarantined),
                Metric.of(
                        "karavel_spool_emergency_reserve_released",
                        "1 while the emergency reserve is released (the file system was full) and new mail is refused, else 0.",
                        Type.GAUGE,
                        reserveReleased ? 1 : 0));
    }
}
