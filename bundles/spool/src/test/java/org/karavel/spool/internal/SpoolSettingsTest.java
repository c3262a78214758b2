package org.karavel.spool.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SpoolSettingsTest {
    @Test
    void directoryDefaultsToKarafDataSpool() {
        assertThat(SpoolSettings.resolveDirectory("", "/opt/karavel/data"))
                .isEqualTo(Path.of("/opt/karavel/data/spool"));
        assertThat(SpoolSettings.resolveDirectory(null, null)).isEqualTo(Path.of("data/spool"));
        assertThat(SpoolSettings.resolveDirectory("${karaf.data}/q", "/d")).isEqualTo(Path.of("/d/q"));
        assertThat(SpoolSettings.resolveDirectory("/var/spool/karavel", "/d")).isEqualTo(Path.of("/var/spool/karavel"));
    }

    @Test
    void defaultsMatchTheDocumentedOnesAndNonsenseIsRefused() {
        SpoolSettings s = SpoolSettings.defaults(Path.of("x"));
        assertThat(s.inlineThresholdBytes()).isEqualTo(65536);
        assertThat(s.maxBatch()).isEqualTo(256);
        assertThat(s.maxSpoolBytes()).isZero();
        assertThat(s.minFreeDiskBytes()).isEqualTo(104_857_600L);
        assertThat(s.draftMemoryBytes()).isEqualTo(65536);
        assertThatThrownBy(() -> s.withMaxBatch(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.withMaxSpoolBytes(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
