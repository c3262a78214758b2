package org.karavel.status.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.status.Finding;
import org.karavel.api.status.StatusReport;

class ReportChangesTest {
    @TempDir
    Path dir;

    @Test
    void changedNewAndGoneFindingsAreListedAndUnchangedOnesAreNot() {
        List<Finding> before = List.of(
                Finding.ok("dns.mx", "a.test", "MX 10 mail.a.test"),
                Finding.warning("dns.dmarc", "a.test", "DMARC p=none", "raise it"),
                Finding.ok("dns.tlsrpt", "b.test", "TLS-RPT v=TLSRPTv1; rua=mailto:x@b.test"));
        List<Finding> after = List.of(
                Finding.ok("dns.mx", "a.test", "MX 10 mail.a.test"),
                Finding.ok("dns.dmarc", "a.test", "DMARC p=reject"),
                Finding.error("dns.host", "server", "no address", "publish one"));
        List<String> changes = ReportChanges.between(before, after);
        assertThat(changes)
                .containsExactly(
                        "OK dns.dmarc a.test: DMARC p=reject  (was WARNING: DMARC p=none)",
                        "ERROR dns.host server: no address -- publish one  (new)",
                        "dns.tlsrpt b.test: no longer checked (was OK)");
        assertThat(ReportChanges.between(after, after)).isEmpty();
    }

    @Test
    void theDailyReportSurvivesARestart() throws Exception {
        StatusReport r = new StatusReport(
                Instant.parse("2026-12-07T03:00:00Z"),
                List.of(Finding.error("dns.mx", "a.test", "MX points to\tx", "Publish \"a.test. MX 10 m.\"")));
        Path file = dir.resolve("status/last-daily-report.tsv");
        ReportChanges.save(file, r);
        StatusReport back = ReportChanges.load(file);
        assertThat(back.at()).isEqualTo(r.at());
        assertThat(back.findings())
                .containsExactly(Finding.error("dns.mx", "a.test", "MX points to x", "Publish \"a.test. MX 10 m.\""));
        assertThat(ReportChanges.load(dir.resolve("missing.tsv"))).isNull();
    }
}
