package org.karavel.preflight.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.karavel.api.status.Finding;

class PreflightFindingsTest {
    @Test
    void eachWarningIsAFindingAndNoneIsOneOk() {
        assertThat(PreflightComponent.findings(List.of()))
                .singleElement()
                .satisfies(f -> assertThat(f.level()).isEqualTo(Finding.Level.OK));
        List<Finding> two =
                PreflightComponent.findings(List.of("spool directory /x is readable by others: chmod 0750 /x", "b"));
        assertThat(two).extracting(Finding::level).containsOnly(Finding.Level.WARNING);
        assertThat(two.get(0).found()).isEqualTo("spool directory /x is readable by others: chmod 0750 /x");
        assertThat(two.get(0).check()).isEqualTo("preflight.directories");
    }
}
