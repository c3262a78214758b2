package org.karavel.admin.internal;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the counters into the {@link TrafficHistory} at the start of every minute, on one daemon
 * thread of its own (a slow metric source never holds up an HTTP worker).
 */
final class HistorySampler {
    private static final Logger LOG = LoggerFactory.getLogger(HistorySampler.class);
    /** Past the minute's start, so that a reading made a little early never lands in the minute before. */
    private static final long SLACK_MILLIS = 200;

    private final AdminServices services;
    private final AdminCounters metrics;
    private final Clock clock;
    private ScheduledExecutorService timer;

    HistorySampler(AdminServices services, AdminCounters metrics, Clock clock) {
        this.services = services;
        this.metrics = metrics;
        this.clock = clock;
    }

    synchronized void start() {
        if (timer != null) {
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "karavel-admin-history");
            t.setDaemon(true);
            return t;
        });
        timer.execute(this::sampleAndReschedule);
    }

    synchronized void stop() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
    }

    private void sampleAndReschedule() {
        try {
            sample();
        } catch (RuntimeException e) {
            LOG.warn("admin API: the traffic history could not be sampled: {}", e.toString());
        }
        synchronized (this) {
            if (timer != null && !timer.isShutdown()) {
                long now = clock.millis();
                long next = (Math.floorDiv(now, 60_000L) + 1) * 60_000L + SLACK_MILLIS;
                timer.schedule(this::sampleAndReschedule, next - now, TimeUnit.MILLISECONDS);
            }
        }
    }

    void sample() {
        TrafficReading reading =
                TrafficReading.read(services.metricSources(), metrics.metricSourceErrors::incrementAndGet);
        services.history.sample(Instant.now(clock), reading);
    }
}
