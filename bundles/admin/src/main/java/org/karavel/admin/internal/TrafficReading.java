package org.karavel.admin.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.MetricSource;

/**
 * The counters and gauges the traffic history is made of, read at one moment from the metric
 * sources the admin API already collects for {@code /metrics}: no bundle reports anything extra.
 * A counter is the sum of all its samples (every listener, reason); a missing source reads 0.
 */
record TrafficReading(long[] counts, long queueSize, long oldestAgeSeconds) {
    static final List<String> COUNTS = List.of("received", "delivered", "deferred", "bounced", "refused");

    /** Which metric each counted series is, in the order of {@link #COUNTS}. */
    static final List<String> METRICS = List.of(
            "karavel_smtp_messages_received_total",
            "karavel_delivery_delivered_total",
            "karavel_delivery_deferred_total",
            "karavel_delivery_bounced_total",
            "karavel_smtp_rejected_total");

    static final String QUEUE = "karavel_spool_messages";
    static final String OLDEST = "karavel_spool_oldest_message_age_seconds";

    static TrafficReading of(Map<String, Double> values) {
        long[] counts = new long[METRICS.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = Math.round(values.getOrDefault(METRICS.get(i), 0.0));
        }
        return new TrafficReading(
                counts, Math.round(values.getOrDefault(QUEUE, 0.0)), Math.round(values.getOrDefault(OLDEST, 0.0)));
    }

    /** Reads the sources now; a source that fails is left out (as /metrics leaves it out). */
    static TrafficReading read(List<AdminServices.Named<MetricSource>> sources, Runnable onError) {
        Map<String, Double> values = new HashMap<>();
        for (AdminServices.Named<MetricSource> s : sources) {
            List<Metric> metrics;
            try {
                metrics = s.service().metrics();
            } catch (RuntimeException e) {
                onError.run();
                continue;
            }
            if (metrics == null) {
                continue;
            }
            for (Metric m : metrics) {
                if (METRICS.contains(m.name())
                        || m.name().equals(QUEUE)
                        || m.name().equals(OLDEST)) {
                    double sum = m.samples().stream()
                            .mapToDouble(Metric.Sample::value)
                            .sum();
                    values.merge(m.name(), sum, Double::sum);
                }
            }
        }
        return of(values);
    }
}
