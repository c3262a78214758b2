package org.karavel.delivery.internal;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import org.karavel.api.metrics.CounterFamily;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.Metric.Type;

/** Per-recipient outcomes since the bundle started, for {@code GET /metrics}. */
final class DeliveryCounters {
    final LongAdder delivered = new LongAdder();
    final LongAdder deferred = new LongAdder();
    final LongAdder bounced = new LongAdder();
    final LongAdder operatorBounced = new LongAdder();
    final LongAdder dsnQueued = new LongAdder();
    /** Remote SMTP sessions by TLS outcome: verified, encrypted, clear, clear_after_failure, failed, refused. */
    private final CounterFamily tls = new CounterFamily(
            "karavel_delivery_tls_total",
            "Remote SMTP sessions by TLS outcome (verified, encrypted, clear, clear_after_failure, failed"
                    + " = refused by the TLS policy after connecting, refused = MX host not allowed).",
            "result");

    /** Failed recipient attempts by bounce category and kind (permanent, temporary). */
    private final CounterFamily failures = new CounterFamily(
            "karavel_delivery_failures_total",
            "Recipient attempts that failed, by bounce category and kind (permanent = bounced, temporary ="
                    + " deferred).",
            "category",
            "kind");

    /** Recipient outcomes per traffic-shaping site (remote SMTP to MX hosts only). */
    private final CounterFamily sites = new CounterFamily(
            "karavel_delivery_site_recipients_total",
            "Recipient attempts to remote sites, by traffic-shaping site and outcome (delivered, deferred,"
                    + " bounced).",
            "site",
            "outcome");

    void site(String site, RecipientResult.Outcome outcome) {
        sites.increment(site, outcome.name().toLowerCase(Locale.ROOT));
    }

    long siteCount(String site, RecipientResult.Outcome outcome) {
        return sites.count(site, outcome.name().toLowerCase(Locale.ROOT));
    }

    /** Counts one failure of this category; {@code permanent} for a bounce, else a deferral. */
    void failure(BounceCategory category, boolean permanent) {
        failures.increment(category.word(), permanent ? "permanent" : "temporary");
    }

    /** Failures counted with this category and kind so far. */
    long failureCount(BounceCategory category, boolean permanent) {
        return failures.count(category.word(), permanent ? "permanent" : "temporary");
    }

    void tls(String result) {
        tls.increment(result);
    }

    /** Sessions counted with this TLS result so far. */
    long tlsCount(String result) {
        return tls.count(result);
    }

    void count(RecipientResult.Outcome outcome) {
        switch (outcome) {
            case DELIVERED -> delivered.increment();
            case BOUNCED -> bounced.increment();
            default -> deferred.increment();
        }
    }

    /** The families, built on demand (cheap: a few sums). */
    List<Metric> metrics(int inFlight, int suspendedDomains) {
        return List.of(
                Metric.of(
                        "karavel_delivery_delivered_total",
                        "Recipients delivered (remote, smarthost or local).",
                        Type.COUNTER,
                        delivered.sum()),
                Metric.of(
                        "karavel_delivery_deferred_total",
                        "Recipient attempts that failed temporarily.",
                        Type.COUNTER,
                        deferred.sum()),
                Metric.of(
                        "karavel_delivery_bounced_total",
                        "Recipients that failed for good (refused, expired or bounced by the operator).",
                        Type.COUNTER,
                        bounced.sum() + operatorBounced.sum()),
                Metric.of(
                        "karavel_delivery_operator_bounced_total",
                        "Recipients bounced by the operator.",
                        Type.COUNTER,
                        operatorBounced.sum()),
                Metric.of(
                        "karavel_delivery_dsn_queued_total",
                        "Delivery status notifications queued.",
                        Type.COUNTER,
                        dsnQueued.sum()),
                tls.metric(),
                failures.metric(),
                sites.metric(),
                Metric.of("karavel_delivery_messages_in_flight", "Messages being delivered now.", Type.GAUGE, inFlight),
                Metric.of(
                        "karavel_delivery_suspended_domains",
                        "Recipient domains suspended by the operator.",
                        Type.GAUGE,
                        suspendedDomains));
    }
}
