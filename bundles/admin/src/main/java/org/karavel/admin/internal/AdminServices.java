package org.karavel.admin.internal;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.karavel.api.auth.MailboxUserAdmin;
import org.karavel.api.auth.MailboxUsers;
import org.karavel.api.dkim.DkimKeys;
import org.karavel.api.domain.MailDomains;
import org.karavel.api.fleet.Fleet;
import org.karavel.api.health.HealthCheck;
import org.karavel.api.metrics.MetricSource;
import org.karavel.api.queue.DeliveryControl;
import org.karavel.api.queue.Spool;
import org.karavel.api.recipient.AliasAdmin;
import org.karavel.api.shaping.SitePolicies;
import org.karavel.api.shaping.SiteTraffic;
import org.karavel.api.status.StatusChecks;
import org.karavel.api.suppression.SuppressionList;
import org.karavel.api.tls.ServerTls;

/**
 * The services the admin API works with, each of which may come and go while it runs (a bundle
 * restarted or updated): a request reads what is there at that moment and answers 503 for what is not.
 */
final class AdminServices {
    /** One configuration as Config Admin holds it, before redaction. */
    record StoredConfiguration(String pid, String factoryPid, Map<String, Object> properties) {}

    volatile Spool spool;
    volatile DeliveryControl deliveryControl;
    volatile MailboxUsers users;
    volatile ServerTls serverTls;
    volatile AliasAdmin aliases;
    volatile StatusChecks statusChecks;
    volatile SuppressionList suppression;
    volatile SitePolicies sitePolicies;
    volatile SiteTraffic siteTraffic;
    volatile MailboxUserAdmin userAdmin;
    volatile DkimKeys dkimKeys;
    volatile MailDomains mailDomains;
    /** The per-minute traffic of the last 24 hours; outlives a configuration change of the listener. */
    final TrafficHistory history = new TrafficHistory();
    /** The fleet sharing a store with this node; null without a store (a single node). */
    volatile Fleet fleet;
    /** The Config Admin configurations whose PID starts with org.karavel.; null when Config Admin is absent. */
    volatile Supplier<List<StoredConfiguration>> configurations;

    private final AtomicLong sequence = new AtomicLong();
    /** Metric sources by registration order, each with its source name. */
    private final Map<Long, Named<MetricSource>> metricSources = new ConcurrentSkipListMap<>();

    private final Map<Object, Long> metricKeys = new ConcurrentHashMap<>();
    private final Map<HealthCheck, Boolean> healthChecks = new ConcurrentHashMap<>();

    /** The spool now; 503 when it is not there. */
    Spool availableSpool() {
        Spool s = spool;
        if (s == null) {
            throw ApiError.unavailable("the spool");
        }
        return s;
    }

    /** Delivery control now; 503 when it is not there. */
    DeliveryControl availableDeliveryControl() {
        DeliveryControl c = deliveryControl;
        if (c == null) {
            throw ApiError.unavailable("delivery control");
        }
        return c;
    }

    /** A whiteboard service with the name it was published under. */
    record Named<T>(String name, T service) {}

    void addMetricSource(MetricSource source, String name) {
        long key = sequence.incrementAndGet();
        Long old = metricKeys.put(source, key);
        if (old != null) {
            metricSources.remove(old);
        }
        metricSources.put(key, new Named<>(name == null || name.isBlank() ? "unnamed" : name, source));
    }

    void removeMetricSource(MetricSource source) {
        Long key = metricKeys.remove(source);
        if (key != null) {
            metricSources.remove(key);
        }
    }

    List<Named<MetricSource>> metricSources() {
        return List.copyOf(metricSources.values());
    }

    void addHealthCheck(HealthCheck check) {
        healthChecks.put(check, Boolean.TRUE);
    }

    void removeHealthCheck(HealthCheck check) {
        healthChecks.remove(check);
    }

    List<HealthCheck> healthChecks() {
        return List.copyOf(healthChecks.keySet());
    }
}
