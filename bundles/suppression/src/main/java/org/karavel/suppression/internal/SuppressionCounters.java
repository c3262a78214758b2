package org.karavel.suppression.internal;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.karavel.api.metrics.Metric;

/** Refusals since the bundle started, and the metric families with the gauge of entries. */
final class SuppressionCounters {
    private final AtomicLong refusals = new AtomicLong();
    private final AtomicLong lookupFailures = new AtomicLong();

    void refused() {
        refusals.incrementAndGet();
    }

    void lookupFailed() {
        lookupFailures.incrementAndGet();
    }

    long refusals() {
        return refusals.get();
    }

    List<Metric> metrics(LongSupplier entries) {
        return List.of(
                Metric.of(
                        "karavel_suppression_refusals_total",
                        "RCPTs refused because the recipient is suppressed",
                        Metric.Type.COUNTER,
                        refusals.get()),
                Metric.of(
                        "karavel_suppression_lookup_failures_total",
                        "RCPTs let through because the suppression list could not be asked",
                        Metric.Type.COUNTER,
                        lookupFailures.get()),
                Metric.of(
                        "karavel_suppression_entries",
                        "Entries in the suppression list (expired ones until the next purge)",
                        Metric.Type.GAUGE,
                        entries.getAsLong()));
    }
}
