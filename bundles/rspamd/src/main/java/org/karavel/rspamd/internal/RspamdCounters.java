package org.karavel.rspamd.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.Metric.Type;

/**
 * What the rspamd filter has seen since start, kept across configuration changes and published as
 * metric source {@code rspamd}. The api has no histogram type: the score histogram is published the
 * Prometheus way by hand, as cumulative {@code _bucket} counters with an {@code le} label, a
 * {@code _sum} gauge (scores can be negative) and a {@code _count} counter.
 */
final class RspamdCounters {
    /** Upper bounds of the score buckets; Rspamd's defaults are greylist 4, add header 6, reject 15. */
    static final double[] SCORE_BOUNDS = {-2, 0, 2, 4, 6, 8, 10, 15, 20, 30};

    private final LongAdder scans = new LongAdder();
    private final Map<String, LongAdder> actions = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> unscanned = new ConcurrentHashMap<>();
    private final LongAdder[] buckets = new LongAdder[SCORE_BOUNDS.length + 1];
    private final DoubleAdder scoreSum = new DoubleAdder();
    private final LongAdder failureWarnings = new LongAdder();

    RspamdCounters() {
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    /** One message Rspamd answered for, with its action and score. */
    void scanned(String action, double score) {
        scans.increment();
        add(actions, label(action));
        scoreSum.add(score);
        int i = 0;
        while (i < SCORE_BOUNDS.length && score > SCORE_BOUNDS[i]) {
            i++;
        }
        buckets[i].increment();
    }

    /** Rspamd could not be asked or gave no usable answer: unreachable, timeout, status, garbage. */
    void failure(String reason) {
        add(failures, reason);
    }

    /** A message let through without a scan: fail_open after a failure, or too large. */
    void unscanned(String reason) {
        add(unscanned, reason);
    }

    void failureWarning() {
        failureWarnings.increment();
    }

    long scans() {
        return scans.sum();
    }

    long actions(String action) {
        LongAdder n = actions.get(label(action));
        return n == null ? 0 : n.sum();
    }

    long failures() {
        return failures.values().stream().mapToLong(LongAdder::sum).sum();
    }

    long failures(String reason) {
        LongAdder n = failures.get(reason);
        return n == null ? 0 : n.sum();
    }

    long unscannedCount(String reason) {
        LongAdder n = unscanned.get(reason);
        return n == null ? 0 : n.sum();
    }

    long failureWarnings() {
        return failureWarnings.sum();
    }

    /** The action as a label value: {@code no action} → {@code no_action}. */
    static String label(String action) {
        return action == null
                ? "unknown"
                : action.trim().toLowerCase(Locale.ROOT).replace(' ', '_');
    }

    List<Metric> metrics() {
        List<Metric.Sample> bucketSamples = new ArrayList<>();
        long cumulative = 0;
        for (int i = 0; i < buckets.length; i++) {
            cumulative += buckets[i].sum();
            String le = i < SCORE_BOUNDS.length ? bound(SCORE_BOUNDS[i]) : "+Inf";
            bucketSamples.add(new Metric.Sample(Map.of("le", le), cumulative));
        }
        return List.of(
                Metric.of("karavel_rspamd_scans_total", "Messages Rspamd answered for.", Type.COUNTER, scans.sum()),
                labelled("karavel_rspamd_actions_total", "Rspamd's actions, by action.", "action", actions),
                new Metric(
                        "karavel_rspamd_score_bucket",
                        "Rspamd scores: messages scored at most le (cumulative).",
                        Type.COUNTER,
                        bucketSamples),
                Metric.of("karavel_rspamd_score_sum", "Sum of Rspamd's scores.", Type.GAUGE, scoreSum.sum()),
                Metric.of("karavel_rspamd_score_count", "Messages scored.", Type.COUNTER, scans.sum()),
                labelled(
                        "karavel_rspamd_failures_total",
                        "Scans that failed: unreachable, timeout, io (connection lost), status (not 200), garbage (not Rspamd's answer).",
                        "reason",
                        failures),
                labelled(
                        "karavel_rspamd_unscanned_total",
                        "Messages passed without a scan: fail_open after a failure, or too_large.",
                        "reason",
                        unscanned));
    }

    private static String bound(double b) {
        return b == Math.rint(b) ? Long.toString((long) b) : Double.toString(b);
    }

    private static Metric labelled(String name, String help, String label, Map<String, LongAdder> values) {
        List<Metric.Sample> samples = new ArrayList<>();
        values.forEach((value, n) -> samples.add(new Metric.Sample(Map.of(label, value), n.sum())));
        return new Metric(name, help, Type.COUNTER, samples);
    }

    private static void add(Map<String, LongAdder> map, String key) {
        map.computeIfAbsent(key, k -> new LongAdder()).increment();
    }
}
