package org.karavel.spool.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.karavel.api.status.Finding;

class SpoolStatusCheckTest {
    private static final long GIB = 1024L * 1024 * 1024;
    private final Path dir = Path.of("/var/spool/karavel");

    @Test
    void freeSpaceIsJudgedAgainstWhatTheSpoolKeepsFree() {
        Finding ok = SpoolStatusCheck.disk(40 * GIB, 2 * GIB, false, dir);
        assertThat(ok.level()).isEqualTo(Finding.Level.OK);
        assertThat(ok.found()).isEqualTo("40.0 GiB free on the spool's file system (2.0 GiB kept free)");
        assertThat(SpoolStatusCheck.disk(3 * GIB, 2 * GIB, false, dir).level()).isEqualTo(Finding.Level.WARNING);
        Finding full = SpoolStatusCheck.disk(GIB / 2, 2 * GIB, true, dir);
        assertThat(full.level()).isEqualTo(Finding.Level.ERROR);
        assertThat(full.found()).contains("new mail is refused");
    }

    @Test
    void aQueueWaitingLongerThanADayIsAWarning() {
        assertThat(SpoolStatusCheck.queue(0, Duration.ZERO).found()).isEqualTo("The queue is empty");
        assertThat(SpoolStatusCheck.queue(12, Duration.ofMinutes(30)).level()).isEqualTo(Finding.Level.OK);
        Finding old = SpoolStatusCheck.queue(12, Duration.ofDays(3));
        assertThat(old.level()).isEqualTo(Finding.Level.WARNING);
        assertThat(old.found()).isEqualTo("12 message(s) queued, the oldest for 3 days");
    }
}
