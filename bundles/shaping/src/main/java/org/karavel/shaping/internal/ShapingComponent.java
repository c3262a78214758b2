package org.karavel.shaping.internal;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.MetricSource;
import org.karavel.api.shaping.ShapingAction;
import org.karavel.api.shaping.SharedReactions;
import org.karavel.api.shaping.SiteLimits;
import org.karavel.api.shaping.SitePolicies;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the shaping rules ({@link SiteRuleComponent}s, one per rule file) and the reactions file
 * {@code etc/karavel.shaping-reactions} as {@link SitePolicies}, with their metrics. Runs without
 * any configuration: no rule means every domain is its own site without limits of its own.
 */
@Component(
        immediate = true,
        service = {SitePolicies.class, MetricSource.class},
        property = MetricSource.SOURCE + "=shaping")
public class ShapingComponent implements SitePolicies, MetricSource {
    private static final Logger LOG = LoggerFactory.getLogger(ShapingComponent.class);
    static final String REACTIONS_FILE = "karavel.shaping-reactions";

    private final Map<SiteRuleComponent, Boolean> ruleFiles = new ConcurrentHashMap<>();
    /** How often the fleet's reactions are read when a store shares them. */
    static final long FLEET_SYNC_MILLIS = 2000;

    private final Clock clock = Clock.systemUTC();
    private volatile Shaping shaping;
    private ScheduledExecutorService fleetSync;

    /** The fleet's reactions, when a shared store publishes them. */
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile SharedReactions sharedReactions;

    @Reference(
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            unbind = "removeRule")
    void addRule(SiteRuleComponent rule) {
        ruleFiles.put(rule, Boolean.TRUE);
        refresh();
    }

    void removeRule(SiteRuleComponent rule) {
        ruleFiles.remove(rule);
        refresh();
    }

    @Activate
    void activate() {
        String etc = System.getProperty("karaf.etc");
        Path file = etc == null ? null : Path.of(etc, REACTIONS_FILE);
        shaping = new Shaping(new ReactionFile(file, ReactionFile.CHECK_INTERVAL)).fleet(() -> sharedReactions);
        refresh();
        fleetSync = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "karavel-shaping-fleet");
            t.setDaemon(true);
            return t;
        });
        // a reaction another node started holds here within one interval (a read of one small hash)
        fleetSync.scheduleWithFixedDelay(
                () -> {
                    try {
                        shaping.learnFromFleet(clock.instant());
                    } catch (RuntimeException e) {
                        LOG.warn("shaping: reading the fleet's reactions failed", e);
                    }
                },
                FLEET_SYNC_MILLIS,
                FLEET_SYNC_MILLIS,
                TimeUnit.MILLISECONDS);
        LOG.info(
                "shaping started: {} rule(s), reactions from {}",
                shaping.rules().size(),
                file);
    }

    @Deactivate
    void deactivate() {
        fleetSync.shutdownNow();
    }

    private synchronized void refresh() {
        Shaping s = shaping;
        if (s == null) {
            return;
        }
        List<SiteRule> rules = new ArrayList<>();
        for (SiteRuleComponent c : ruleFiles.keySet()) {
            if (c.rule() != null) {
                rules.add(c.rule());
            }
        }
        s.rules(rules);
    }

    @Override
    public String siteOf(String domain, List<String> mxHosts) {
        return shaping.siteOf(domain, mxHosts);
    }

    @Override
    public SiteLimits limits(String site, Instant now) {
        return shaping.limits(site, now);
    }

    @Override
    public List<SiteLimits> rules() {
        return shaping.rules();
    }

    @Override
    public List<ShapingAction> actions(Instant now) {
        return shaping.actions(now);
    }

    @Override
    public Optional<ShapingAction> react(String site, String reply, Instant now) {
        return shaping.react(site, reply, now);
    }

    @Override
    public List<Metric> metrics() {
        return shaping.metrics(clock.instant());
    }
}
