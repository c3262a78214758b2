package org.karavel.clamav.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.karavel.clamav.internal.ClamavSettings.FailMode;

class ClamavSettingsTest {
    /** A ClamavConfig as DS would make it: the annotation defaults, overridden by {@code values}. */
    static ClamavConfig config(Map<String, Object> values) {
        return (ClamavConfig) Proxy.newProxyInstance(
                ClamavConfig.class.getClassLoader(), new Class<?>[] {ClamavConfig.class}, (proxy, method, args) -> {
                    Object v = values.get(method.getName());
                    return v != null ? v : method.getDefaultValue();
                });
    }

    @Test
    void defaultsFollowDebiansClamd() {
        ClamavSettings s = ClamavSettings.from(config(Map.of()));
        assertThat(s.address()).isEqualTo(ClamdAddress.parse("unix:/run/clamav/clamd.ctl"));
        assertThat(s.listeners()).containsExactlyInAnyOrder("mx", "submission", "submissions");
        assertThat(s.maxSize()).isEqualTo(26_214_400L);
        assertThat(s.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.failMode()).isEqualTo(FailMode.OPEN);
        assertThat(s.scanThreads()).isEqualTo(4);
    }

    @Test
    void listenersAreACommaListAsConfigAdminGivesThem() {
        ClamavSettings s = ClamavSettings.from(config(Map.of("listeners", new String[] {"mx, submission"})));
        assertThat(s.listeners()).containsExactlyInAnyOrder("mx", "submission");
    }

    @Test
    void failModeClosedOnlyWhenSaidSo() {
        assertThat(ClamavSettings.from(config(Map.of("fail__mode", " Closed "))).failMode())
                .isEqualTo(FailMode.CLOSED);
        assertThat(ClamavSettings.from(config(Map.of("fail__mode", "close"))).failMode())
                .isEqualTo(FailMode.OPEN);
    }

    @Test
    void unusableValuesFallBackToTheDefaults() {
        ClamavSettings s = ClamavSettings.from(config(
                Map.of("address", "localhost:3310", "max__size", -1L, "timeout__millis", 0L, "scan__threads", 0)));
        assertThat(s.address()).isEqualTo(ClamdAddress.parse(ClamavSettings.DEFAULT_ADDRESS));
        assertThat(s.maxSize()).isEqualTo(ClamavSettings.DEFAULT_MAX_SIZE);
        assertThat(s.timeout().toMillis()).isEqualTo(ClamavSettings.DEFAULT_TIMEOUT_MILLIS);
        assertThat(s.scanThreads()).isEqualTo(ClamavSettings.DEFAULT_SCAN_THREADS);
    }
}
