/**
 * Metrics: each bundle publishes a {@link org.karavel.api.metrics.MetricSource}; the admin API
 * collects them all in Prometheus text format.
 * {@link org.karavel.api.metrics.CounterFamily} keeps a labelled counter family.
 */
@Version("1.1.0")
@Export
package org.karavel.api.metrics;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
