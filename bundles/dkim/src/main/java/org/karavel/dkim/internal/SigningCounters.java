package org.karavel.dkim.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.karavel.api.metrics.Metric;

/** Signatures made and messages left unsigned since start, kept across configuration changes. */
final class SigningCounters {
    private final Map<String, LongAdder> signed = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> unsigned = new ConcurrentHashMap<>();
    private final LongAdder notOurs = new LongAdder();

    void signed(String algorithm) {
        signed.computeIfAbsent(algorithm, k -> new LongAdder()).increment();
    }

    void unsigned(String reason) {
        unsigned.computeIfAbsent(reason, k -> new LongAdder()).increment();
    }

    void notOurs() {
        notOurs.increment();
    }

    long signedCount(String algorithm) {
        LongAdder a = signed.get(algorithm);
        return a == null ? 0 : a.sum();
    }

    long unsignedCount(String reason) {
        LongAdder a = unsigned.get(reason);
        return a == null ? 0 : a.sum();
    }

    List<Metric> metrics() {
        List<Metric.Sample> s = new ArrayList<>();
        signed.forEach((k, v) -> s.add(new Metric.Sample(Map.of("algorithm", k), v.sum())));
        List<Metric.Sample> u = new ArrayList<>();
        unsigned.forEach((k, v) -> u.add(new Metric.Sample(Map.of("reason", k), v.sum())));
        return List.of(
                new Metric("karavel_dkim_signed_total", "DKIM signatures made, by algorithm", Metric.Type.COUNTER, s),
                new Metric(
                        "karavel_dkim_unsigned_total",
                        "Messages from a signing domain sent without a signature, by reason (no_key, broken_key, no_from, header_too_large, error)",
                        Metric.Type.COUNTER,
                        u),
                Metric.of(
                        "karavel_dkim_not_signing_domain_total",
                        "Messages not signed because their From domain is neither local nor in sign_domains",
                        Metric.Type.COUNTER,
                        notOurs.sum()));
    }
}
