package org.karavel.admin.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.karavel.api.metrics.Metric;

/** The Prometheus text exposition format 0.0.4, line by line. */
class PrometheusTextTest {
    @Test
    void eachFamilyHasHelpTypeThenItsSamplesWithSortedEscapedLabels() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("zone", "zen\"quoted\"");
        labels.put("listener", "mx\\back\nslash");
        String text = PrometheusText.render(List.of(
                new Metric(
                        "karavel_dnsbl_lookups_total",
                        "Lookups, by zone\nand \\listener",
                        Metric.Type.COUNTER,
                        List.of(new Metric.Sample(labels, 42), new Metric.Sample(Map.of("zone", "dbl"), 0.5))),
                Metric.of("karavel_spool_messages", "", Metric.Type.GAUGE, 7)));

        assertThat(text.lines().toList())
                .containsExactly(
                        "# HELP karavel_dnsbl_lookups_total Lookups, by zone\\nand \\\\listener",
                        "# TYPE karavel_dnsbl_lookups_total counter",
                        "karavel_dnsbl_lookups_total{listener=\"mx\\\\back\\nslash\",zone=\"zen\\\"quoted\\\"\"} 42",
                        "karavel_dnsbl_lookups_total{zone=\"dbl\"} 0.5",
                        "# HELP karavel_spool_messages ",
                        "# TYPE karavel_spool_messages gauge",
                        "karavel_spool_messages 7");
        assertThat(text).endsWith("\n");
    }

    @Test
    void aFamilyFromTwoSourcesIsWrittenOnceAndATypeClashKeepsTheFirst() {
        String text = PrometheusText.render(List.of(
                new Metric(
                        "karavel_up", "Up", Metric.Type.GAUGE, List.of(new Metric.Sample(Map.of("bundle", "smtp"), 1))),
                new Metric(
                        "karavel_up",
                        "Up",
                        Metric.Type.GAUGE,
                        List.of(new Metric.Sample(Map.of("bundle", "spool"), 1))),
                Metric.of("karavel_up", "Up", Metric.Type.COUNTER, 9)));

        assertThat(text.lines().toList())
                .containsExactly(
                        "# HELP karavel_up Up",
                        "# TYPE karavel_up gauge",
                        "karavel_up{bundle=\"smtp\"} 1",
                        "karavel_up{bundle=\"spool\"} 1");
    }

    @Test
    void specialValuesAreSpelledAsPrometheusReadsThem() {
        assertThat(PrometheusText.value(Double.NaN)).isEqualTo("NaN");
        assertThat(PrometheusText.value(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
        assertThat(PrometheusText.value(Double.NEGATIVE_INFINITY)).isEqualTo("-Inf");
        assertThat(PrometheusText.value(-3)).isEqualTo("-3");
        assertThat(PrometheusText.value(1e20)).isEqualTo("1.0E20");
        assertThat(PrometheusText.value(0.25)).isEqualTo("0.25");
    }
}
