package org.karavel.status.internal;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.MetricSource;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;
import org.karavel.api.status.StatusCheck;

/**
 * Status check {@code server.refusals}: the listeners' refusals by reason since the previous run (the
 * mail log's {@code reject} lines, counted by the smtp bundle), so a filter that suddenly refuses
 * everything shows up. Informational: always ok; the reasons are the fix's starting point.
 */
final class RefusalsCheck implements StatusCheck {
    static final String NAME = "server.refusals";
    private final Supplier<MetricSource> smtp;
    private Map<String, Double> previous = Map.of();

    RefusalsCheck(Supplier<MetricSource> smtp) {
        this.smtp = smtp;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletionStage<List<Finding>> run(Setup setup) {
        MetricSource source = smtp.get();
        if (source == null) {
            return CompletableFuture.completedFuture(List.of());
        }
        Map<String, Double> now = byReason(source.metrics());
        Map<String, Double> since;
        synchronized (this) {
            since = difference(previous, now);
            previous = now;
        }
        return CompletableFuture.completedFuture(List.of(judge(since)));
    }

    static Map<String, Double> byReason(List<Metric> metrics) {
        Map<String, Double> out = new TreeMap<>();
        for (Metric m : metrics) {
            if (m.name().equals("karavel_smtp_rejected_total")) {
                for (Metric.Sample s : m.samples()) {
                    out.merge(s.labels().getOrDefault("reason", "other"), s.value(), Double::sum);
                }
            }
        }
        return out;
    }

    static Map<String, Double> difference(Map<String, Double> before, Map<String, Double> now) {
        Map<String, Double> out = new TreeMap<>();
        // a counter lower than before means the smtp bundle restarted: count from zero
        now.forEach((reason, n) -> {
            double d = n - before.getOrDefault(reason, 0.0);
            double delta = d < 0 ? n : d;
            if (delta > 0) {
                out.put(reason, delta);
            }
        });
        return out;
    }

    static Finding judge(Map<String, Double> since) {
        if (since.isEmpty()) {
            return Finding.ok(NAME, Finding.SERVER, "No refusals since the previous run");
        }
        String reasons = since.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .map(e -> e.getKey() + " " + Math.round(e.getValue()))
                .collect(Collectors.joining(", "));
        return Finding.ok(NAME, Finding.SERVER, "Refusals since the previous run, by reason: " + reasons);
    }
}
