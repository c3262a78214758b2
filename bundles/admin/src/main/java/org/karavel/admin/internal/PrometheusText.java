package org.karavel.admin.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.karavel.api.metrics.Metric;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Metric families in the Prometheus text exposition format 0.0.4: one {@code # HELP} and one
 * {@code # TYPE} line per family, then its samples. A family name published by two sources is
 * written once, with both sources' samples, because Prometheus refuses a repeated family.
 */
final class PrometheusText {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final Logger LOG = LoggerFactory.getLogger(PrometheusText.class);

    private PrometheusText() {}

    static String render(List<Metric> metrics) {
        Map<String, Metric> families = new LinkedHashMap<>();
        for (Metric m : metrics) {
            Metric seen = families.get(m.name());
            if (seen == null) {
                families.put(m.name(), m);
            } else if (seen.type() == m.type()) {
                List<Metric.Sample> both = new ArrayList<>(seen.samples());
                both.addAll(m.samples());
                families.put(m.name(), new Metric(seen.name(), seen.help(), seen.type(), both));
            } else {
                LOG.warn(
                        "metric family {} published as both {} and {}: the second is left out",
                        m.name(),
                        seen.type(),
                        m.type());
            }
        }
        StringBuilder out = new StringBuilder(4096);
        for (Metric m : families.values()) {
            out.append("# HELP ")
                    .append(m.name())
                    .append(' ')
                    .append(escapeHelp(m.help()))
                    .append('\n');
            out.append("# TYPE ")
                    .append(m.name())
                    .append(' ')
                    .append(m.type() == Metric.Type.COUNTER ? "counter" : "gauge")
                    .append('\n');
            for (Metric.Sample s : m.samples()) {
                out.append(m.name());
                if (!s.labels().isEmpty()) {
                    out.append('{');
                    boolean first = true;
                    for (Map.Entry<String, String> label : new TreeMap<>(s.labels()).entrySet()) {
                        if (!first) {
                            out.append(',');
                        }
                        first = false;
                        out.append(label.getKey())
                                .append("=\"")
                                .append(escapeLabel(label.getValue()))
                                .append('"');
                    }
                    out.append('}');
                }
                out.append(' ').append(value(s.value())).append('\n');
            }
        }
        return out.toString();
    }

    /** HELP text: backslash and line feed are escaped. */
    static String escapeHelp(String text) {
        return text.replace("\\", "\\\\").replace("\n", "\\n");
    }

    /** Label values: backslash, double quote and line feed are escaped. */
    static String escapeLabel(String text) {
        return text == null
                ? ""
                : text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** Whole numbers without a fraction (counters read better), the special values as Prometheus spells them. */
    static String value(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }
}
