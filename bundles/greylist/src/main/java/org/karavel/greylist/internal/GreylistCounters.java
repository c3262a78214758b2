package org.karavel.greylist.internal;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.karavel.api.metrics.Metric;

/** Decisions since the bundle started, and the metric families built from them and two gauges. */
final class GreylistCounters {
    private final AtomicLong deferred = new AtomicLong();
    private final Map<PassReason, AtomicLong> passed = new EnumMap<>(PassReason.class);

    GreylistCounters() {
        for (PassReason r : PassReason.values()) {
            passed.put(r, new AtomicLong());
        }
    }

    void count(Decision d) {
        if (d.deferred()) {
            deferred.incrementAndGet();
        } else {
            passed.get(d.reason()).incrementAndGet();
        }
    }

    long deferred() {
        return deferred.get();
    }

    /** Passes by reason label (retry, whitelist, pass_list, authenticated). */
    Map<String, Long> passed() {
        Map<String, Long> out = new LinkedHashMap<>();
        passed.forEach((r, n) -> out.put(r.label(), n.get()));
        return out;
    }

    List<Metric> metrics(LongSupplier entries, LongSupplier autoWhitelisted) {
        List<Metric.Sample> passSamples = new ArrayList<>();
        passed.forEach((r, n) -> passSamples.add(new Metric.Sample(Map.of("reason", r.label()), n.get())));
        return List.of(
                Metric.of(
                        "karavel_greylist_deferred_total",
                        "RCPTs deferred by greylisting",
                        Metric.Type.COUNTER,
                        deferred.get()),
                new Metric(
                        "karavel_greylist_passed_total",
                        "RCPTs the greylist let through, by reason",
                        Metric.Type.COUNTER,
                        passSamples),
                Metric.of(
                        "karavel_greylist_entries",
                        "Triplets in the greylist database",
                        Metric.Type.GAUGE,
                        entries.getAsLong()),
                Metric.of(
                        "karavel_greylist_auto_whitelisted_clients",
                        "Client networks auto-whitelisted",
                        Metric.Type.GAUGE,
                        autoWhitelisted.getAsLong()));
    }
}
