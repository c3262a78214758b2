package org.karavel.dnsbl.internal;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.karavel.api.metrics.CounterFamily;
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

    private final CounterFamily lookupsByList =
            new CounterFamily("karavel_dnsbl_lookups_total", "Block-list questions asked.", "list");
    private final CounterFamily listedByList =
            new CounterFamily("karavel_dnsbl_listings_total", "Answers that listed the client or domain.", "list");
    private final CounterFamily errorsByList = new CounterFamily(
            "karavel_dnsbl_errors_total",
            "Error answers (127.255.255.x): public resolver, over quota or bad key; mail passed unchecked.",
            "list");
    private final CounterFamily failuresByList = new CounterFamily(
            "karavel_dnsbl_failures_total", "Questions without an answer (SERVFAIL, timeout); mail passed.", "list");

    void lookup(String list) {
        lookups.incrementAndGet();
        lookupsByList.increment(list);
    }

    void listed(String list) {
        listed.incrementAndGet();
        listedByList.increment(list);
    }

    void error(String list) {
        errors.incrementAndGet();
        errorsByList.increment(list);
    }

    void failure(String list) {
        failures.incrementAndGet();
        failuresByList.increment(list);
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
                lookupsByList.metric(),
                listedByList.metric(),
                errorsByList.metric(),
                failuresByList.metric(),
                Metric.of(
                        "karavel_dnsbl_exempt_total",
                        "Connections not checked: authenticated, relay clients or pass_list addresses.",
                        Type.COUNTER,
                        exempt.sum()));
    }

    @Override
    public String toString() {
        return "lookups=" + lookups + " listed=" + listed + " errors=" + errors + " failures=" + failures;
    }
}
