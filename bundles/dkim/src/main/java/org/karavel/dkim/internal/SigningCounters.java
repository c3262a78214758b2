package org.karavel.dkim.internal;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.karavel.api.metrics.CounterFamily;
import org.karavel.api.metrics.Metric;

/** Signatures made and messages left unsigned since start, kept across configuration changes. */
final class SigningCounters {
    private final CounterFamily signed =
            new CounterFamily("karavel_dkim_signed_total", "DKIM signatures made, by algorithm", "algorithm");
    private final CounterFamily unsigned = new CounterFamily(
            "karavel_dkim_unsigned_total",
            "Messages from a signing domain sent without a signature, by reason (no_key, broken_key, no_from, header_too_large, error)",
            "reason");
    private final LongAdder notOurs = new LongAdder();

    void signed(String algorithm) {
        signed.increment(algorithm);
    }

    void unsigned(String reason) {
        unsigned.increment(reason);
    }

    void notOurs() {
        notOurs.increment();
    }

    long signedCount(String algorithm) {
        return signed.count(algorithm);
    }

    long unsignedCount(String reason) {
        return unsigned.count(reason);
    }

    List<Metric> metrics() {
        return List.of(
                signed.metric(),
                unsigned.metric(),
                Metric.of(
                        "karavel_dkim_not_signing_domain_total",
                        "Messages not signed because their From domain is neither local nor in sign_domains",
                        Metric.Type.COUNTER,
                        notOurs.sum()));
    }
}
