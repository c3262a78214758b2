package org.karavel.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.karavel.api.status.Finding;
import org.karavel.api.status.StatusReport;

class StatusReportLinesTest {
    private final StatusReport report = new StatusReport(
            Instant.parse("2026-12-07T03:10:00Z"),
            List.of(
                    Finding.ok("dns.host", "server", "mail.a.test resolves to 192.0.2.1"),
                    Finding.error(
                            "dns.mx", "a.test", "No MX record is published", "Publish \"a.test. MX 10 mail.a.test.\""),
                    Finding.warning("dns.dmarc", "a.test", "DMARC p=none", "Raise it")));

    @Test
    void eachSubjectWithItsFindingsAndFixes() {
        assertThat(StatusReportLines.lines(report, "mail.a.test", false))
                .containsExactly(
                        "Status checks of mail.a.test, 2026-12-07 03:10:00 UTC: 1 ok, 1 warning(s), 1 error(s)",
                        "",
                        "server",
                        "  ok       dns.host   mail.a.test resolves to 192.0.2.1",
                        "",
                        "a.test",
                        "  ERROR    dns.mx     No MX record is published",
                        "                      fix: Publish \"a.test. MX 10 mail.a.test.\"",
                        "  warning  dns.dmarc  DMARC p=none",
                        "                      fix: Raise it");
    }

    @Test
    void problemsOnlyLeavesOkFindingsOut() {
        assertThat(StatusReportLines.lines(report, "", true))
                .doesNotContain("server")
                .contains("  ERROR    dns.mx     No MX record is published");
    }
}
