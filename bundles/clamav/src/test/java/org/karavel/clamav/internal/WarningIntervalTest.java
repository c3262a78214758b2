package org.karavel.clamav.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WarningIntervalTest {
    @Test
    void oneWarningPerIntervalAndTheOthersAreCounted() {
        AtomicLong now = new AtomicLong(1_000);
        WarningInterval w = new WarningInterval(Duration.ofMinutes(1), now::get);

        assertThat(w.due()).isZero();
        assertThat(w.due()).isEqualTo(WarningInterval.NOT_DUE);
        now.addAndGet(Duration.ofSeconds(59).toNanos());
        assertThat(w.due()).isEqualTo(WarningInterval.NOT_DUE);
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(w.due()).isEqualTo(2);
        assertThat(w.due()).isEqualTo(WarningInterval.NOT_DUE);
    }
}
