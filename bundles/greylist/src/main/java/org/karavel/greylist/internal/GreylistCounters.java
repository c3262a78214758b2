package org.karavel.greylist.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.karavel.api.metrics.CounterFamily;
import org.karavel.api.metrics.Metric;

/** Decisions since the bundle started, and the metric families built from them and two gauges. */
final class GreylistCounters {
    private final AtomicLong deferred = new AtomicLong();
    private final AtomicLong failedOpen = new AtomicLong();
    private final CounterFamily passed =
            new CounterFamily("karavel_greylist_passed_total", "RCPTs the greylist let through, by reason", "reason");

    GreylistCounters() {
        // every reason shows from the start, 0 until counted
        for (PassReason r : PassReason.values()) {
            passed.add(0, r.label());
        }
    }

    void count(Decision d) {
        if (d.deferred()) {
            deferred.incrementAndGet();
        } else {
            passed.increment(d.reason().label());
        }
    }

    /** One RCPT let through because the shared greylist failed (it is also counted as passed, fail_open). */
    void failedOpen() {
        failedOpen.incrementAndGet();
    }

    long failedOpenCount() {
        return failedOpen.get();
    }

    long deferred() {
        return deferred.get();
    }

    /** Passes by reason label (retry, whitelist, pass_list, authenticated). */
    Map<String, Long> passed() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (PassReason r : PassReason.values()) {
            out.put(r.label(), passed.count(r.label()));
        }
        return out;
    }

    List<Metric> metrics(LongSupplier entries, LongSupplier autoWhitelisted) {
        return List.of(
                Metric.of(
                        "karavel_greylist_deferred_total",
                        "RCPTs deferred by greylisting",
                        Metric.Type.COUNTER,
                        deferred.get()),
                passed.metric(),
                Metric.of(
                        "karavel_greylist_entries",
                        "Triplets in the greylist database",
                        Metric.Type.GAUGE,
                        entries.getAsLong()),
                Metric.of(
                        "karavel_greylist_auto_whitelisted_clients",
                        "Client networks auto-whitelisted",
                        Metric.Type.GAUGE,
                        autoWhitelisted.getAsLong()),
                Metric.of(
                        "karavel_greylist_fail_open_total",
                        "RCPTs let through ungreylisted because the shared greylist (Redis) failed or was slow",
                        Metric.Type.COUNTER,
                        failedOpen.get()));
    }
}
