package org.karavel.admin.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.karavel.api.health.HealthCheck;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.MetricSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the server reports about itself: {@code /metrics} (Prometheus text), {@code /health}, one
 * metric source's figures as JSON ({@code /api/v1/greylist}, {@code /api/v1/dnsbl}) and the stored
 * configurations ({@code /api/v1/config}, secrets redacted).
 */
final class StatusEndpoints {
    private static final Logger LOG = LoggerFactory.getLogger(StatusEndpoints.class);

    private final AdminServices services;
    private final AdminCounters metrics;
    private final ObjectMapper json;

    StatusEndpoints(AdminServices services, AdminCounters metrics, ObjectMapper json) {
        this.services = services;
        this.metrics = metrics;
        this.json = json;
    }

    /** {@code GET /metrics}: every source's families, then the admin API's own. */
    AdminResponse metrics() {
        return AdminResponse.text(200, PrometheusText.CONTENT_TYPE, prometheus());
    }

    Map<String, Object> source(String name) {
        AdminServices.Named<MetricSource> found = services.metricSources().stream()
                .filter(s -> s.name().equals(name))
                .findFirst()
                .orElseThrow(() ->
                        ApiError.notFound("no metric source '" + name + "': is the " + name + " bundle running?"));
        List<Metric> families = collect(found);
        List<Map<String, Object>> list = new ArrayList<>();
        Map<String, Object> values = new TreeMap<>();
        for (Metric m : families) {
            Map<String, Object> family = new LinkedHashMap<>();
            family.put("name", m.name());
            family.put("help", m.help());
            family.put("type", m.type().name().toLowerCase(Locale.ROOT));
            List<Map<String, Object>> samples = new ArrayList<>();
            for (Metric.Sample s : m.samples()) {
                samples.add(Map.of("labels", new TreeMap<>(s.labels()), "value", number(s.value())));
                if (s.labels().isEmpty()) {
                    values.put(m.name(), number(s.value()));
                }
            }
            family.put("samples", samples);
            list.add(family);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("source", name);
        out.put("values", values);
        out.put("metrics", list);
        return out;
    }

    Map<String, Object> configurations() {
        Supplier<List<AdminServices.StoredConfiguration>> configs = services.configurations;
        if (configs == null) {
            throw ApiError.unavailable("Config Admin");
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (AdminServices.StoredConfiguration c : configs.get()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("pid", c.pid());
            row.put("factoryPid", c.factoryPid());
            row.put("properties", ConfigRedaction.redact(c.properties()));
            list.add(row);
        }
        list.sort(Comparator.comparing(row -> (String) row.get("pid")));
        return Map.of("configurations", list);
    }

    AdminResponse health() {
        List<Map<String, Object>> checks = new ArrayList<>();
        boolean ready = true;
        List<HealthCheck> all = new ArrayList<>(services.healthChecks());
        for (HealthCheck c : all) {
            Map<String, Object> row = new LinkedHashMap<>();
            boolean up;
            String name;
            String detail;
            try {
                name = c.name();
                up = c.ready();
                detail = c.detail();
            } catch (RuntimeException e) {
                name = c.getClass().getName();
                up = false;
                detail = "health check failed: " + e;
            }
            row.put("name", name);
            row.put("ready", up);
            row.put("detail", detail);
            checks.add(row);
            ready &= up;
        }
        checks.sort(Comparator.comparing(row -> String.valueOf(row.get("name"))));
        boolean spool = services.spool != null;
        if (!spool) {
            checks.add(0, Map.of("name", "spool.service", "ready", false, "detail", "no Spool service"));
        }
        ready &= spool && !all.isEmpty();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", ready ? "ready" : "not_ready");
        out.put("checks", checks);
        return AdminResponse.json(json, ready ? 200 : 503, out);
    }

    private String prometheus() {
        List<Metric> families = new ArrayList<>();
        List<AdminServices.Named<MetricSource>> sources = new ArrayList<>(services.metricSources());
        sources.sort(Comparator.comparing(AdminServices.Named::name));
        for (AdminServices.Named<MetricSource> s : sources) {
            families.addAll(collect(s));
        }
        families.addAll(metrics.metrics());
        return PrometheusText.render(families);
    }

    private List<Metric> collect(AdminServices.Named<MetricSource> source) {
        try {
            List<Metric> list = source.service().metrics();
            return list == null ? List.of() : list;
        } catch (RuntimeException e) {
            metrics.metricSourceErrors.incrementAndGet();
            LOG.warn("metric source '{}' failed: {}", source.name(), e.toString());
            return List.of();
        }
    }

    private static Object number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? (Object) (long) v : (Object) v;
    }
}
