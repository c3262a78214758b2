package org.karavel.status.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.karavel.api.status.Finding;
import org.karavel.api.status.StatusReport;

/**
 * What changed between two daily reports, and the file that keeps the last one across restarts (one
 * finding per line, tab-separated), so a restart does not mail the same changes again.
 */
final class ReportChanges {
    private ReportChanges() {}

    /** One line per finding that is new, gone, or changed its level or what it found. */
    static List<String> between(List<Finding> before, List<Finding> after) {
        Map<String, Finding> old = index(before);
        Map<String, Finding> now = index(after);
        List<String> out = new ArrayList<>();
        now.forEach((key, f) -> {
            Finding was = old.get(key);
            if (was == null) {
                out.add(line(f) + "  (new)");
            } else if (was.level() != f.level() || !was.found().equals(f.found())) {
                out.add(line(f) + "  (was " + was.level() + ": " + was.found() + ")");
            }
        });
        old.forEach((key, f) -> {
            if (!now.containsKey(key)) {
                out.add(f.check() + " " + f.subject() + ": no longer checked (was " + f.level() + ")");
            }
        });
        return out;
    }

    static String line(Finding f) {
        return f.level() + " " + f.check() + " " + f.subject() + ": " + f.found()
                + (f.fix().isEmpty() ? "" : " -- " + f.fix());
    }

    private static Map<String, Finding> index(List<Finding> findings) {
        Map<String, Finding> m = new LinkedHashMap<>();
        for (Finding f : findings) {
            // a check may give several findings per subject: number them so each keeps its own key
            String key = f.key();
            for (int i = 2; m.containsKey(key); i++) {
                key = f.key() + " #" + i;
            }
            m.put(key, f);
        }
        return m;
    }

    static void save(Path file, StatusReport report) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append(report.at()).append('\n');
        for (Finding f : report.findings()) {
            sb.append(String.join(
                            "\t",
                            f.level().name(),
                            clean(f.check()),
                            clean(f.subject()),
                            clean(f.found()),
                            clean(f.fix())))
                    .append('\n');
        }
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, sb, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The saved report; null when there is none or it cannot be read (then every finding counts as new). */
    static StatusReport load(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.isEmpty()) {
                return null;
            }
            List<Finding> findings = new ArrayList<>();
            for (String l : lines.subList(1, lines.size())) {
                String[] p = l.split("\t", -1);
                if (p.length == 5) {
                    findings.add(new Finding(p[1], p[2], Finding.Level.valueOf(p[0]), p[3], p[4]));
                }
            }
            return new StatusReport(Instant.parse(lines.get(0)), findings);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String clean(String s) {
        return s.replace('\t', ' ');
    }
}
