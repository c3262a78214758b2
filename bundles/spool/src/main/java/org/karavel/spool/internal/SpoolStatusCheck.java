package org.karavel.spool.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.MetricSource;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;
import org.karavel.api.status.StatusCheck;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;

/**
 * Status checks {@code spool.disk} (free space on the spool's file system beyond what the spool keeps
 * free) and {@code spool.queue} (how many messages wait, and for how long), read from the spool's own
 * gauges and its settings.
 */
@Component(
        service = StatusCheck.class,
        configurationPid = "org.karavel.spool",
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public final class SpoolStatusCheck implements StatusCheck {
    static final String DISK = "spool.disk";
    static final String QUEUE = "spool.queue";
    /** Older than this, a queued message is worth a look (Postfix warns after 4 hours, bounces after 5 days). */
    static final Duration OLD = Duration.ofDays(1);

    private final MetricSource spool;
    private final Path directory;
    private final long keepFree;

    @Activate
    public SpoolStatusCheck(
            @Reference(name = "spool", target = "(" + MetricSource.SOURCE + "=spool)") MetricSource spool,
            SpoolConfig config) {
        this.spool = spool;
        this.directory = SpoolSettings.resolveDirectory(config.directory(), System.getProperty("karaf.data"));
        this.keepFree = config.min__free__disk__bytes() + config.emergency__reserve__bytes();
    }

    @Override
    public String name() {
        return "spool";
    }

    @Override
    public CompletionStage<List<Finding>> run(Setup setup) {
        List<Metric> figures = spool.metrics();
        long free;
        try {
            free = Files.getFileStore(directory).getUsableSpace();
        } catch (IOException e) {
            free = -1;
        }
        return CompletableFuture.completedFuture(List.of(
                disk(free, keepFree, gauge(figures, "karavel_spool_emergency_reserve_released") > 0, directory),
                queue((long) gauge(figures, "karavel_spool_messages"), Duration.ofSeconds((long)
                        gauge(figures, "karavel_spool_oldest_message_age_seconds")))));
    }

    static Finding disk(long free, long keepFree, boolean reserveReleased, Path directory) {
        if (reserveReleased) {
            return Finding.error(
                    DISK,
                    Finding.SERVER,
                    "The spool's file system is full: the emergency reserve is released and new mail is refused",
                    "Free space on the file system of " + directory + " (the reserve comes back by itself)");
        }
        if (free < 0) {
            return Finding.error(
                    DISK,
                    Finding.SERVER,
                    "The free space of " + directory + " cannot be read",
                    "Check that the spool directory exists and is readable");
        }
        String found = gib(free) + " free on the spool's file system (" + gib(keepFree) + " kept free)";
        if (free < 2 * keepFree) {
            return Finding.warning(
                    DISK,
                    Finding.SERVER,
                    found + ": close to the point where new mail is refused",
                    "Free space on the file system of " + directory);
        }
        return Finding.ok(DISK, Finding.SERVER, found);
    }

    static Finding queue(long messages, Duration oldest) {
        if (messages == 0) {
            return Finding.ok(QUEUE, Finding.SERVER, "The queue is empty");
        }
        String found = messages + " message(s) queued, the oldest for " + hours(oldest);
        if (oldest.compareTo(OLD) > 0) {
            return Finding.warning(
                    QUEUE,
                    Finding.SERVER,
                    found,
                    "mta:queue-summary shows where they wait; mta:queue-show ID the last reply");
        }
        return Finding.ok(QUEUE, Finding.SERVER, found);
    }

    private static double gauge(List<Metric> figures, String name) {
        return figures.stream()
                .filter(m -> m.name().equals(name))
                .flatMap(m -> m.samples().stream())
                .mapToDouble(Metric.Sample::value)
                .findFirst()
                .orElse(0);
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
    }

    private static String hours(Duration d) {
        return d.toHours() >= 48 ? d.toDays() + " days" : d.toHours() > 0 ? d.toHours() + " h" : d.toMinutes() + " min";
    }
}
