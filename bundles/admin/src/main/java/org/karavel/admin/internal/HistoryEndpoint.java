package org.karavel.admin.internal;

import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code GET /api/v1/history[?minutes=N]}: received, delivered, deferred, bounced and refused per
 * minute, queue size and oldest age, over the last N minutes (1-1440, default 1440), the current
 * minute counted up to now.
 */
final class HistoryEndpoint {
    private final AdminServices services;
    private final AdminCounters metrics;
    private final Supplier<Instant> clock;

    HistoryEndpoint(AdminServices services, AdminCounters metrics, Supplier<Instant> clock) {
        this.services = services;
        this.metrics = metrics;
        this.clock = clock;
    }

    Map<String, Object> history(AdminRequest r) {
        int minutes = minutes(r.query().get("minutes"));
        TrafficReading live =
                TrafficReading.read(services.metricSources(), metrics.metricSourceErrors::incrementAndGet);
        return services.history.columns(clock.get(), minutes, live);
    }

    private static int minutes(String text) {
        if (text == null || text.isBlank()) {
            return TrafficHistory.MINUTES;
        }
        try {
            int n = Integer.parseInt(text.strip());
            if (n >= 1 && n <= TrafficHistory.MINUTES) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiError.badRequest("minutes must be 1-" + TrafficHistory.MINUTES);
    }
}
