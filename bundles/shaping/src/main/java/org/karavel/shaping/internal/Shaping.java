package org.karavel.shaping.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.karavel.api.metrics.CounterFamily;
import org.karavel.api.metrics.Metric;
import org.karavel.api.shaping.ShapingAction;
import org.karavel.api.shaping.SharedReactions;
import org.karavel.api.shaping.SiteLimits;
import org.karavel.api.shaping.SitePolicies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shaping rules and reactions in force, and the actions they started: what the OSGi component
 * publishes, without OSGi, so that tests drive it with their own clock and files.
 */
final class Shaping implements SitePolicies {
    private static final Logger LOG = LoggerFactory.getLogger(Shaping.class);
    private volatile SiteRules rules = SiteRules.NONE;
    private final ReactionFile reactions;
    private final ActiveActions actions = new ActiveActions();
    private final CounterFamily started = new CounterFamily(
            "karavel_shaping_actions_total",
            "Reactions to remote replies that acted on a site, by site and action"
                    + " (suspend, rate, connections, bounce).",
            "site",
            "action");

    private volatile Supplier<SharedReactions> fleet = () -> null;

    Shaping(ReactionFile reactions) {
        this.reactions = reactions;
    }

    /** Where the fleet's reactions are shared (a supplier of null: this node alone). */
    Shaping fleet(Supplier<SharedReactions> source) {
        this.fleet = source;
        return this;
    }

    /** Replaces the site rules (a rule file appeared, changed or went away). */
    void rules(List<SiteRule> current) {
        rules = new SiteRules(current);
    }

    @Override
    public String siteOf(String domain, List<String> mxHosts) {
        return rules.siteOf(domain, mxHosts);
    }

    @Override
    public SiteLimits limits(String site, Instant now) {
        return actions.apply(rules.limits(site), now);
    }

    @Override
    public List<SiteLimits> rules() {
        return rules.all();
    }

    @Override
    public List<ShapingAction> actions(Instant now) {
        return actions.all(now);
    }

    @Override
    public Optional<ShapingAction> react(String site, String reply, Instant now) {
        if (reply == null || reply.isEmpty()) {
            return Optional.empty();
        }
        ReactionRule rule = reactions.rules().match(site, reply);
        if (rule == null) {
            return Optional.empty();
        }
        Optional<ShapingAction> a = actions.start(rule, site, reply, now);
        a.ifPresent(x -> started.increment(site, x.kind().word()));
        SharedReactions shared = fleet.get();
        if (shared != null) {
            // new or extended: the merged action in force here is what the other nodes apply
            actions.current(site, rule.kind(), now)
                    .ifPresent(x -> shared.publish(x).exceptionally(e -> {
                        LOG.warn(
                                "shaping: the {} of site {} stays on this node: {}",
                                x.kind().word(),
                                site,
                                e.getMessage());
                        return null;
                    }));
        }
        return a;
    }

    /**
     * Applies the actions the other nodes of the fleet started (when a store shares them), as if
     * this node had seen their replies. Completes when done; never exceptionally.
     */
    CompletionStage<Integer> learnFromFleet(Instant now) {
        SharedReactions shared = fleet.get();
        if (shared == null) {
            return CompletableFuture.completedFuture(0);
        }
        return shared.active(now).handle((list, e) -> {
            if (e != null) {
                return 0; // the store counts and logs its own unavailability
            }
            int learnt = 0;
            for (ShapingAction a : list) {
                if (actions.learn(a, now)) {
                    learnt++;
                    LOG.info(
                            "shaping: {} of site {} until {}{} learnt from the fleet (reply: {})",
                            a.kind().word(),
                            a.site(),
                            a.until(),
                            a.rate() != null ? " at " + a.rate() : a.connections() > 0 ? " at " + a.connections() : "",
                            a.reply());
                }
            }
            return learnt;
        });
    }

    /** Started actions by site and kind, and the ones in force now. */
    List<Metric> metrics(Instant now) {
        Map<List<String>, Integer> active =
                new TreeMap<>((a, b) -> String.join("\0", a).compareTo(String.join("\0", b)));
        for (ShapingAction a : actions.all(now)) {
            active.merge(List.of(a.site(), a.kind().word()), 1, Integer::sum);
        }
        List<Metric.Sample> samples = new ArrayList<>();
        active.forEach((k, n) -> samples.add(new Metric.Sample(Map.of("site", k.get(0), "action", k.get(1)), n)));
        return List.of(
                started.metric(),
                new Metric(
                        "karavel_shaping_actions_active",
                        "Reactions in force now, by site and action.",
                        Metric.Type.GAUGE,
                        samples),
                Metric.of(
                        "karavel_shaping_rules",
                        "Shaping rules in force.",
                        Metric.Type.GAUGE,
                        rules.all().size()));
    }
}
