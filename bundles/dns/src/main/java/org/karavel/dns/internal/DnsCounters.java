package org.karavel.dns.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.karavel.api.dns.DnsException;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.Metric.Type;

/**
 * Questions asked of the resolver service (answered from the cache or not) and their failures, by
 * kind: {@code nxdomain}, {@code servfail} (SERVFAIL, REFUSED, malformed answers), {@code timeout}.
 * Kept by the component, so a configuration change (new resolver, empty cache) keeps the counts.
 */
public final class DnsCounters {
    private final Map<String, LongAdder> queries = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

    void query(String type) {
        queries.computeIfAbsent(type.toLowerCase(Locale.ROOT), k -> new LongAdder())
                .increment();
    }

    void error(DnsException.Reason reason) {
        errors.computeIfAbsent(kind(reason), k -> new LongAdder()).increment();
    }

    static String kind(DnsException.Reason reason) {
        return switch (reason) {
            case NO_SUCH_DOMAIN -> "nxdomain";
            case TIMEOUT -> "timeout";
            default -> "servfail";
        };
    }

    long queries(String type) {
        LongAdder n = queries.get(type.toLowerCase(Locale.ROOT));
        return n == null ? 0 : n.sum();
    }

    long errors(String kind) {
        LongAdder n = errors.get(kind);
        return n == null ? 0 : n.sum();
    }

    List<Metric> metrics(int cacheSize) {
        List<Metric.Sample> q = new ArrayList<>();
        queries.forEach((type, n) -> q.add(new Metric.Sample(Map.of("type", type), n.sum())));
        List<Metric.Sample> e = new ArrayList<>();
        errors.forEach((kind, n) -> e.add(new Metric.Sample(Map.of("kind", kind), n.sum())));
        return List.of(
                new Metric(
                        "karavel_dns_queries_total",
                        "DNS questions asked (cache hits included), by record type.",
                        Type.COUNTER,
                        q),
                new Metric(
                        "karavel_dns_errors_total",
                        "DNS questions that failed: nxdomain, servfail or timeout.",
                        Type.COUNTER,
                        e),
                Metric.of("karavel_dns_cache_entries", "Names in the resolver's cache.", Type.GAUGE, cacheSize));
    }
}
