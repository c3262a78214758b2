package org.karavel.smtp.internal;

import java.util.List;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.MetricSource;
import org.osgi.service.component.annotations.Component;

/** Publishes the counters of every SMTP listener of this bundle as one metric source, {@code smtp}. */
@Component(service = MetricSource.class, property = MetricSource.SOURCE + "=smtp")
public class SmtpMetricsComponent implements MetricSource {
    @Override
    public List<Metric> metrics() {
        return SmtpCounters.BUNDLE.metrics();
    }
}
