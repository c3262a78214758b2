package org.karavel.dkim.internal;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.karavel.api.metrics.CounterFamily;
import org.karavel.api.metrics.Metric;

/** Verification results (SPF, DKIM, DMARC) by method and result since start, kept across configuration changes. */
public final class VerificationCounters {
    private final CounterFamily results = new CounterFamily(
            "karavel_auth_results_total",
            "Authentication results by method (spf, dkim, dmarc) and result",
            "method",
            "result");
    private final LongAdder skipped = new LongAdder();
    private final LongAdder removedHeaders = new LongAdder();
    private final LongAdder rejected = new LongAdder();

    void result(String method, String result) {
        results.increment(method, result);
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
        return results.count(method, result);
    }

    public List<Metric> metrics() {
        return List.of(
                results.metric(),
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
