package org.karavel.api.metrics;

import java.util.List;

/**
 * A bundle's counters and gauges, published as a whiteboard service and collected by the admin
 * API for {@code GET /metrics}. Each bundle keeps its own figures, so updating or removing one
 * bundle never loses another's.
 *
 * <p>Service property {@link #SOURCE} names the source (e.g. {@code smtp}, {@code greylist}); the
 * admin API also serves one source's figures on their own (greylist and DNSBL statistics).
 */
public interface MetricSource {
    /** Service property: the short name of the source, e.g. {@code greylist}. */
    String SOURCE = "karavel.metrics.source";

    /**
     * The metric families as they stand now. Called on an admin thread; must be quick, must not
     * block on I/O. Names follow Prometheus conventions ({@code karavel_smtp_messages_received_total}).
     */
    List<Metric> metrics();
}
