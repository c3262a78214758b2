package org.karavel.tls.internal;

import java.util.List;
import org.karavel.api.metrics.CounterFamily;
import org.karavel.api.metrics.Metric;
import org.karavel.api.tls.TlsVerdict;

/** Counts of outbound TLS verdicts by policy source and result, for {@code GET /metrics}. */
final class OutboundTlsCounters {
    private final CounterFamily sessions = new CounterFamily(
            "karavel_tls_outbound_sessions_total",
            "Outbound SMTP sessions judged by the TLS policy, by policy source and result",
            "policy",
            "result");

    void count(TlsVerdict verdict) {
        String result = !verdict.accepted()
                ? "refused"
                : verdict.encrypted() ? (verdict.verified() ? "verified" : "encrypted") : "clear";
        sessions.increment(verdict.host().source().label(), result);
    }

    List<Metric> metrics(int mtaStsCached) {
        return List.of(
                sessions.metric(),
                Metric.of(
                        "karavel_tls_mta_sts_cached_domains",
                        "Domains with a cached MTA-STS policy",
                        Metric.Type.GAUGE,
                        mtaStsCached));
    }
}
