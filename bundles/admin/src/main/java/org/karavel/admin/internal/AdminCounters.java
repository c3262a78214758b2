package org.karavel.admin.internal;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.karavel.api.metrics.CounterFamily;
import org.karavel.api.metrics.Metric;

/** The admin API's own figures since start: requests by status, failed and throttled logins. */
final class AdminCounters {
    private final CounterFamily requestsByStatus =
            new CounterFamily("karavel_admin_requests_total", "Admin API requests answered, by HTTP status", "status");
    final AtomicLong authFailures = new AtomicLong();
    final AtomicLong authThrottled = new AtomicLong();
    final AtomicLong metricSourceErrors = new AtomicLong();

    void request(int status) {
        requestsByStatus.increment(Integer.toString(status));
    }

    long requests(int status) {
        return requestsByStatus.count(Integer.toString(status));
    }

    List<Metric> metrics() {
        return List.of(
                requestsByStatus.metric(),
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
