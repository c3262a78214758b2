package org.karavel.shell.internal;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.karavel.api.status.Finding;
import org.karavel.api.status.StatusReport;

/** A status report as the shell prints it: a summary line, then each subject's findings with their fixes. */
final class StatusReportLines {
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'");

    private StatusReportLines() {}

    static List<String> lines(StatusReport report, String hostName, boolean problemsOnly) {
        List<String> out = new ArrayList<>();
        out.add(String.format(
                Locale.ROOT,
                "Status checks%s, %s: %d ok, %d warning(s), %d error(s)",
                hostName.isEmpty() ? "" : " of " + hostName,
                WHEN.format(report.at().atOffset(ZoneOffset.UTC)),
                report.count(Finding.Level.OK),
                report.count(Finding.Level.WARNING),
                report.count(Finding.Level.ERROR)));
        int width = report.findings().stream()
                .mapToInt(f -> f.check().length())
                .max()
                .orElse(0);
        String subject = null;
        for (Finding f : report.findings()) {
            if (problemsOnly && f.level() == Finding.Level.OK) {
                continue;
            }
            if (!f.subject().equals(subject)) {
                subject = f.subject();
                out.add("");
                out.add(subject);
            }
            String level = f.level() == Finding.Level.ERROR
                    ? "ERROR"
                    : f.level().name().toLowerCase(Locale.ROOT);
            out.add(String.format(Locale.ROOT, "  %-8s %-" + width + "s  %s", level, f.check(), f.found()));
            if (!f.fix().isEmpty()) {
                out.add(String.format(Locale.ROOT, "  %-8s %-" + width + "s  fix: %s", "", "", f.fix()));
            }
        }
        return out;
    }
}
