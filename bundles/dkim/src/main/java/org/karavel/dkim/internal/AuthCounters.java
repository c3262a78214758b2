package org.karavel.dkim.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.karavel.api.metrics.Metric;

/** Results by method and result since start, kept across configuration changes, for the metrics endpoint. */
public final class AuthCounters {
    private record Key(String method, String result) {}

    private final Map<Key, LongAdder> results = new ConcurrentHashMap<>();
    private final LongAdder skipped = new LongAdder();
    private final LongAdder removedHeaders = new LongAdder();
    private final LongAdder rejected = new LongAdder();

    void result(String method, String result) {
        results.computeIfAbsent(new Key(method, result), k -> new LongAdder()).increment();
    }

    void skipped() {
        skipped.increment();
    }

    void removedHeader() {
        removedHeaders.increment();
    }

    void rejected() {
        rejected.increment();
    }

    public long count(String method, String result) {
        LongAdder a = results.get(new Key(method, result));
        return a == null ? 0 : a.sum();
    }

    public List<Metric> metrics() {
        List<Metric.Sample> samples = new ArrayList<>();
        results.forEach(
                (k, v) -> samples.add(new Metric.Sample(Map.of("method", k.method(), "result", k.result()), v.sum())));
        return List.of(
                new Metric(
                        "karavel_auth_results_total",
                        "Authentication results by method (spf, dkim, dmarc) and result",
                        Metric.Type.COUNTER,
                        samples),
                Metric.of(
                        "karavel_auth_skipped_total",
                        "Messages not checked (authenticated or on an unchecked listener)",
                        Metric.Type.COUNTER,
                        skipped.sum()),
                Metric.of(
                        "karavel_auth_forged_headers_removed_total",
                        "Received Authentication-Results fields claiming this server's authserv-id, removed",
                        Metric.Type.COUNTER,
                        removedHeaders.sum()),
                Metric.of(
                        "karavel_auth_dmarc_rejected_total",
                        "Messages refused: a DMARC p=reject failure, "
                                + "not exactly one From address (strict_from), or content after a DKIM l= (dkim_body_length=reject)",
                        Metric.Type.COUNTER,
                        rejected.sum()));
    }
}
