package org.karavel.admin.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import org.karavel.api.metrics.Metric;

/** The admin API's own figures since start: requests by status, failed and throttled logins. */
final class AdminMetrics {
    private final Map<Integer, AtomicLong> requestsByStatus = new ConcurrentSkipListMap<>();
    final AtomicLong authFailures = new AtomicLong();
    final AtomicLong authThrottled = new AtomicLong();
    final AtomicLong metricSourceErrors = new AtomicLong();

    void request(int status) {
        requestsByStatus.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
    }

    long requests(int status) {
        AtomicLong n = requestsByStatus.get(status);
        return n == null ? 0 : n.get();
    }

    List<Metric> metrics() {
        List<Metric.Sample> samples = new ArrayList<>();
        requestsByStatus.forEach(
                (status, n) -> samples.add(new Metric.Sample(Map.of("status", status.toString()), n.get())));
        return List.of(
                new Metric(
                        "karavel_admin_requests_total",
                        "Admin API requests answered, by HTTP status",
                        Metric.Type.COUNTER,
                        samples),
                Metric.of(
                        "karavel_admin_auth_failures_total",
                        "Failed HTTP Basic logins (unknown user or wrong password)",
                        Metric.Type.COUNTER,
                        authFailures.get()),
                Metric.of(
                        "karavel_admin_auth_throttled_total",
                        "Requests refused with 429 after too many failed logins",
                        Metric.Type.COUNTER,
                        authThrottled.get()),
                Metric.of(
                        "karavel_admin_metric_source_errors_total",
                        "Metric sources that failed when collected",
                        Metric.Type.COUNTER,
                        metricSourceErrors.get()));
    }
}
