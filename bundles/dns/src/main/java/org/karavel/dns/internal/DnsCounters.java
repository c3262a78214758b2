package org.karavel.dns.internal;

import java.util.List;
import java.util.Locale;
import org.karavel.api.dns.DnsException;
import org.karavel.api.metrics.CounterFamily;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.Metric.Type;

/**
 * Questions asked of the resolver service (answered from the cache or not) and their failures, by
 * kind: {@code nxdomain}, {@code servfail} (SERVFAIL, REFUSED, malformed answers), {@code timeout}.
 * Kept by the component, so a configuration change (new resolver, empty cache) keeps the counts.
 */
public final class DnsCounters {
    private final CounterFamily queries = new CounterFamily(
            "karavel_dns_queries_total", "DNS questions asked (cache hits included), by record type.", "type");
    private final CounterFamily errors = new CounterFamily(
            "karavel_dns_errors_total", "DNS questions that failed: nxdomain, servfail or timeout.", "kind");

    void query(String type) {
        queries.increment(type.toLowerCase(Locale.ROOT));
    }

    void error(DnsException.Reason reason) {
        errors.increment(kind(reason));
    }

    static String kind(DnsException.Reason reason) {
        return switch (reason) {
            case NO_SUCH_DOMAIN -> "nxdomain";
            case TIMEOUT -> "timeout";
            default -> "servfail";
        };
    }

    long queries(String type) {
        return queries.count(type.toLowerCase(Locale.ROOT));
    }

    long errors(String kind) {
        return errors.count(kind);
    }

    List<Metric> metrics(int cacheSize) {
        return List.of(
                queries.metric(),
                errors.metric(),
                Metric.of("karavel_dns_cache_entries", "Names in the resolver's cache.", Type.GAUGE, cacheSize));
    }
}
