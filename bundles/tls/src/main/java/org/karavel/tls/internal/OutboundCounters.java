package org.karavel.tls.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.karavel.api.metrics.Metric;
import org.karavel.api.tls.TlsVerdict;

/** Counts of outbound TLS verdicts by policy source and result, for {@code GET /metrics}. */
final class OutboundCounters {
    private record Key(String source, String result) {}

    private final Map<Key, AtomicLong> sessions = new ConcurrentHashMap<>();

    void count(TlsVerdict verdict) {
        String result = !verdict.accepted()
                ? "refused"
                : verdict.encrypted() ? (verdict.verified() ? "verified" : "encrypted") : "clear";
        sessions.computeIfAbsent(new Key(verdict.host().source().label(), result), k -> new AtomicLong())
                .incrementAndGet();
    }

    List<Metric> metrics(int mtaStsCached) {
        List<Metric.Sample> samples = new ArrayList<>();
        sessions.forEach(
                (k, n) -> samples.add(new Metric.Sample(Map.of("policy", k.source(), "result", k.result()), n.get())));
        return List.of(
                new Metric(
                        "karavel_tls_outbound_sessions_total",
                        "Outbound SMTP sessions judged by the TLS policy, by policy source and result",
                        Metric.Type.COUNTER,
                        samples),
                Metric.of(
                        "karavel_tls_mta_sts_cached_domains",
                        "Domains with a cached MTA-STS policy",
                        Metric.Type.GAUGE,
                        mtaStsCached));
    }
}
