package org.karavel.redis.internal;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import org.karavel.api.fleet.Fleet;
import org.karavel.api.fleet.SharedCounters;
import org.karavel.api.fleet.SharedGreylist;
import org.karavel.api.metrics.MetricSource;
import org.karavel.api.queue.Spool;
import org.karavel.api.shaping.ConnectionSlots;
import org.karavel.api.shaping.RateLimiter;
import org.karavel.api.shaping.SharedReactions;
import org.karavel.api.status.StatusCheck;
import org.karavel.api.suppression.SuppressionList;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the shared services when {@code etc/org.karavel.redis.cfg} names a Redis, and nothing
 * otherwise (every bundle then keeps its embedded state). A change of the file restarts the
 * connection and the services (DS deactivates and activates the component again).
 */
@Component(
        immediate = true,
        service = {},
        configurationPid = "org.karavel.redis",
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = RedisConfig.class)
public final class RedisComponent {
    private static final Logger LOG = LoggerFactory.getLogger(RedisComponent.class);
    /** Service property marking what this bundle publishes, for targets that want or avoid it. */
    static final String STORE = "karavel.store";
    /** Above the shaping bundle's in-process limiter (-100), which delivery then no longer picks. */
    static final int LIMITER_RANKING = 100;
    /** Above the embedded list (900, the suppression component's filter ranking). */
    static final int SUPPRESSION_RANKING = 1000;

    /** For the queue figures of the heartbeat; absent: 0. */
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile Spool spool;

    /** The embedded list: decides which bounces suppress (its categories and expiry). */
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            target = "(!(" + STORE + "=redis))")
    volatile SuppressionList embeddedSuppression;

    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    private final List<AutoCloseable> parts = new ArrayList<>();
    private RedisStore store;

    @Activate
    void activate(RedisConfig config, BundleContext context) {
        RedisSettings settings = RedisSettings.from(config);
        if (!settings.configured()) {
            LOG.info(
                    "redis: no uri and no sentinels in {}: nothing shared, every node keeps its own state",
                    RedisSettings.FILE);
            return;
        }
        store = new RedisStore(settings);
        String version = context.getBundle().getVersion().toString();
        RedisFleet fleet = new RedisFleet(store, version, () -> spool);
        parts.add(fleet);
        fleet.start();
        register(context, Fleet.class, fleet, 0);
        register(context, SharedCounters.class, new RedisCounters(store), 0);
        register(context, SharedGreylist.class, new RedisGreylist(store), 0);
        RedisRateLimiter limiter = new RedisRateLimiter(store, fleet);
        parts.add(limiter);
        register(context, RateLimiter.class, limiter, LIMITER_RANKING);
        RedisConnectionSlots slots = new RedisConnectionSlots(store, fleet);
        parts.add(slots);
        register(context, ConnectionSlots.class, slots, 0);
        register(context, SharedReactions.class, new RedisReactions(store), 0);
        RedisSuppressionList suppression = new RedisSuppressionList(store, () -> embeddedSuppression);
        parts.add(suppression);
        register(context, SuppressionList.class, suppression, SUPPRESSION_RANKING);
        register(context, StatusCheck.class, new RedisReachableCheck(store, fleet), 0);
        Dictionary<String, Object> m = properties(0);
        m.put(MetricSource.SOURCE, "redis");
        registrations.add(context.registerService(MetricSource.class, new RedisMetrics(store, fleet, slots), m));
        LOG.info("redis: sharing through {}", settings.describe());
    }

    private <T> void register(BundleContext context, Class<T> type, T service, int ranking) {
        registrations.add(context.registerService(type, service, properties(ranking)));
    }

    private static Dictionary<String, Object> properties(int ranking) {
        Dictionary<String, Object> p = new Hashtable<>();
        p.put(STORE, "redis");
        p.put("service.ranking", ranking);
        return p;
    }

    @Deactivate
    void deactivate() {
        for (ServiceRegistration<?> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the framework unregistered it with the bundle
            }
        }
        registrations.clear();
        for (AutoCloseable p : parts) {
            try {
                p.close();
            } catch (Exception e) {
                LOG.debug("redis: closing {}: {}", p, e.toString());
            }
        }
        parts.clear();
        if (store != null) {
            store.close();
            store = null;
        }
    }
}
