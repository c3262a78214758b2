package org.karavel.clamav.internal;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.Metric.Type;

/**
 * What the clamav filter has seen since start, kept across configuration changes and published as
 * metric source {@code clamav}.
 */
final class ClamavCounters {
    private final LongAdder scans = new LongAdder();
    private final LongAdder viruses = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder tooLarge = new LongAdder();
    private final LongAdder scanNanos = new LongAdder();

    /** clamd answered (clean or found) after this long. */
    void scanned(long nanos, boolean virus) {
        scans.increment();
        scanNanos.add(nanos);
        if (virus) {
            viruses.increment();
        }
    }

    void failure() {
        failures.increment();
    }

    void tooLarge() {
        tooLarge.increment();
    }

    long scans() {
        return scans.sum();
    }

    long viruses() {
        return viruses.sum();
    }

    long failures() {
        return failures.sum();
    }

    long tooLargeCount() {
        return tooLarge.sum();
    }

    List<Metric> metrics() {
        return List.of(
                Metric.of(
                        "karavel_clamav_scans_total",
                        "Messages clamd scanned and answered for (clean or infected).",
                        Type.COUNTER,
                        scans.sum()),
                Metric.of(
                        "karavel_clamav_viruses_found_total",
                        "Messages refused because clamd found a signature in them.",
                        Type.COUNTER,
                        viruses.sum()),
                Metric.of(
                        "karavel_clamav_failures_total",
                        "Scans without an answer: clamd down, slower than timeout_millis, busy or answering garbage; "
                                + "the message went by fail_mode.",
                        Type.COUNTER,
                        failures.sum()),
                Metric.of(
                        "karavel_clamav_too_large_total",
                        "Messages accepted unscanned because they were larger than max_size or clamd's "
                                + "StreamMaxLength.",
                        Type.COUNTER,
                        tooLarge.sum()),
                Metric.of(
                        "karavel_clamav_scan_seconds_total",
                        "Time clamd took for the scans in karavel_clamav_scans_total, added up (divide for the mean).",
                        Type.COUNTER,
                        scanNanos.sum() / (double) TimeUnit.SECONDS.toNanos(1)));
    }

    @Override
    public String toString() {
        return "scans=" + scans + " viruses=" + viruses + " failures=" + failures + " too_large=" + tooLarge;
    }
}
