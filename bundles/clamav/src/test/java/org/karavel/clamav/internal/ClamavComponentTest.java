package org.karavel.clamav.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.karavel.clamav.internal.ClamavSettingsTest.config;

import java.util.Dictionary;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.karavel.api.filter.SmtpFilter;
import org.karavel.api.metrics.MetricSource;

class ClamavComponentTest {
    @Test
    void theStageLimitIsAboveTimeoutMillisSoThatFailModeAnswersFirst() {
        Dictionary<String, Object> p =
                ClamavComponent.serviceProperties(ClamavSettings.from(config(Map.of("timeout__millis", 12_000L))));

        assertThat(p.get(SmtpFilter.NAME)).isEqualTo("clamav");
        assertThat(p.get(SmtpFilter.TIMEOUT_MILLIS)).isEqualTo(17_000L);
        assertThat(p.get(MetricSource.SOURCE)).isEqualTo("clamav");
        assertThat(p.get("service.ranking")).isEqualTo(50);
        assertThat(p.size()).as("no configuration value besides the time limit").isEqualTo(4);
    }

    @Test
    void aNewConfigurationTakesEffectAndTheCountersStay() {
        ClamavComponent c = new ClamavComponent(config(Map.of()));
        try {
            c.counters().failure();
            c.modified(config(Map.of("address", "tcp:127.0.0.1:3310", "scan__threads", 8)));

            assertThat(c.filter().settings().address()).isEqualTo(ClamdAddress.parse("tcp:127.0.0.1:3310"));
            assertThat(c.filter().settings().scanThreads()).isEqualTo(8);
            assertThat(c.counters().failures()).isEqualTo(1);

            c.modified(config(Map.of("scan__threads", 2)));
            assertThat(c.filter().settings().scanThreads()).isEqualTo(2);
        } finally {
            c.deactivate();
        }
    }
}
