package org.karavel.api.status;

import java.time.Instant;
import java.util.List;

/**
 * The findings of one run of every check, ordered by subject (server first) and check.
 *
 * @param at when the run finished
 * @param findings every finding
 */
public record StatusReport(Instant at, List<Finding> findings) {

    public StatusReport {
        findings = List.copyOf(findings);
    }

    /** How many findings have this level. */
    public long count(Finding.Level level) {
        return findings.stream().filter(f -> f.level() == level).count();
    }

    /** The worst level found; OK when there are no findings. */
    public Finding.Level worst() {
        return findings.stream().map(Finding::level).max(Enum::compareTo).orElse(Finding.Level.OK);
    }
}
