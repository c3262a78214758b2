package org.karavel.dnsbl.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.Metric.Type;

/**
 * What the dnsbl filter has seen since start, in all and per list (zone name as shown to clients,
 * never the DQS key), kept across configuration changes and published as metric source {@code dnsbl}.
 */
final class DnsblCounters {
    final AtomicLong lookups = new AtomicLong();
    final AtomicLong listed = new AtomicLong();
    /** Error answers (127.255.255.x, 127.0.1.255): public resolver, over quota, wrong key. */
    final AtomicLong errors = new AtomicLong();
    /** SERVFAIL, REFUSED, timeouts: the client passed unchecked. */
    final AtomicLong failures = new AtomicLong();
    /** How many error warnings were actually logged (the rest were held back by the interval). */
    final AtomicLong errorWarnings = new AtomicLong();
    /** Connections not checked: authenticated, relay clients, pass_list addresses. */
    final LongAdder exempt = new LongAdder();

    private final Map<String, LongAdder> lookupsByList = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> listedByList = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> errorsByList = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> failuresByList = new ConcurrentHashMap<>();

    void lookup(String list) {
        lookups.incrementAndGet();
        add(lookupsByList, list);
    }

    void listed(String list) {
        listed.incrementAndGet();
        add(listedByList, list);
    }

    void error(String list) {
        errors.incrementAndGet();
        add(errorsByList, list);
    }

    void failure(String list) {
        failures.incrementAndGet();
        add(failuresByList, list);
    }

    long lookups() {
        return lookups.get();
    }

    long listed() {
        return listed.get();
    }

    long errors() {
        return errors.get();
    }

    long failures() {
        return failures.get();
    }

    long errorWarnings() {
        return errorWarnings.get();
    }

    List<Metric> metrics() {
        return List.of(
                perList("karavel_dnsbl_lookups_total", "Block-list questions asked.", lookupsByList),
                perList("karavel_dnsbl_listings_total", "Answers that listed the client or domain.", listedByList),
                perList(
                        "karavel_dnsbl_errors_total",
                        "Error answers (127.255.255.x): public resolver, over quota or bad key; mail passed unchecked.",
                        errorsByList),
                perList(
                        "karavel_dnsbl_failures_total",
                        "Questions without an answer (SERVFAIL, timeout); mail passed.",
                        failuresByList),
                Metric.of(
                        "karavel_dnsbl_exempt_total",
                        "Connections not checked: authenticated, relay clients or pass_list addresses.",
                        Type.COUNTER,
                        exempt.sum()));
    }

    private static Metric perList(String name, String help, Map<String, LongAdder> values) {
        List<Metric.Sample> samples = new ArrayList<>();
        values.forEach((list, n) -> samples.add(new Metric.Sample(Map.of("list", list), n.sum())));
        return new Metric(name, help, Type.COUNTER, samples);
    }

    private static void add(Map<String, LongAdder> map, String list) {
        map.computeIfAbsent(list == null ? "" : list, k -> new LongAdder()).increment();
    }

    @Override
    public String toString() {
        return "lookups=" + lookups + " listed=" + listed + " errors=" + errors + " failures=" + failures;
    }
}
