package org.karavel.shaping.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.karavel.api.shaping.Rate;
import org.karavel.api.shaping.ShapingAction;
import org.karavel.api.shaping.ShapingAction.Kind;
import org.karavel.api.shaping.SiteLimits;

/**
 * The reactions in force, per site and kind, in memory (a restart forgets them, as KumoMTA's do). An
 * action ends by itself: it is simply not looked at after its end, and dropped when next seen.
 */
final class ActiveActions {
    private record Key(String site, Kind kind) {}

    private final Map<Key, ShapingAction> actions = new ConcurrentHashMap<>();

    /**
     * Starts the rule's action on the site, or extends the one of the same kind running there (the
     * later end and the lower limit win).
     *
     * @return the action when it is new (a bounce always is); empty when a running one was extended
     */
    Optional<ShapingAction> start(ReactionRule rule, String site, String reply, Instant now) {
        if (rule.kind() == Kind.BOUNCE) {
            return Optional.of(new ShapingAction(site, Kind.BOUNCE, null, 0, now, reply, rule.where()));
        }
        ShapingAction fresh = new ShapingAction(
                site, rule.kind(), rule.rate(), rule.connections(), now.plus(rule.duration()), reply, rule.where());
        boolean[] isNew = {false};
        actions.compute(new Key(site, rule.kind()), (k, old) -> {
            if (old == null || !old.isActive(now)) {
                isNew[0] = true;
                return fresh;
            }
            return merged(old, fresh);
        });
        return isNew[0] ? Optional.of(fresh) : Optional.empty();
    }

    /** A running action extended by another of its kind: the later end and the lower limit; the first reply and rule. */
    private static ShapingAction merged(ShapingAction old, ShapingAction more) {
        return new ShapingAction(
                old.site(),
                old.kind(),
                slower(old.rate(), more.rate()),
                old.connections() == 0 ? more.connections() : Math.min(old.connections(), more.connections()),
                more.until().isAfter(old.until()) ? more.until() : old.until(),
                old.reply(),
                old.rule());
    }

    /**
     * Applies an action another node of the fleet started, merged as {@link #start} merges (the
     * later end and the lower limit win).
     *
     * @return whether it changed what holds here (new to this node, later or lower)
     */
    boolean learn(ShapingAction a, Instant now) {
        if (a.kind() == Kind.BOUNCE || !a.isActive(now)) {
            return false;
        }
        boolean[] changed = {false};
        actions.compute(new Key(a.site(), a.kind()), (k, old) -> {
            if (old == null || !old.isActive(now)) {
                changed[0] = true;
                return a;
            }
            ShapingAction m = merged(old, a);
            if (m.until().equals(old.until())
                    && m.connections() == old.connections()
                    && sameRate(m.rate(), old.rate())) {
                return old;
            }
            changed[0] = true;
            return m;
        });
        return changed[0];
    }

    private static boolean sameRate(Rate a, Rate b) {
        return a == null ? b == null : b != null && a.interval().equals(b.interval());
    }

    /** The action of this kind in force on the site, if any. */
    Optional<ShapingAction> current(String site, Kind kind, Instant now) {
        return Optional.ofNullable(active(site, kind, now));
    }

    private static Rate slower(Rate a, Rate b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        return a.interval().compareTo(b.interval()) >= 0 ? a : b;
    }

    /** The site's configured limits as the actions in force lower them. */
    SiteLimits apply(SiteLimits configured, Instant now) {
        if (actions.isEmpty()) {
            return configured;
        }
        String site = configured.site();
        ShapingAction suspend = active(site, Kind.SUSPEND, now);
        ShapingAction rate = active(site, Kind.RATE, now);
        ShapingAction conns = active(site, Kind.CONNECTIONS, now);
        if (suspend == null && rate == null && conns == null) {
            return configured;
        }
        int maxConnections = configured.maxConnections();
        if (conns != null) {
            maxConnections = maxConnections == 0 ? conns.connections() : Math.min(maxConnections, conns.connections());
        }
        return new SiteLimits(
                site,
                maxConnections,
                rate == null ? configured.maxMessageRate() : slower(configured.maxMessageRate(), rate.rate()),
                configured.maxConnectionRate(),
                configured.burst(),
                configured.maxDeliveriesPerConnection(),
                configured.connectTimeout(),
                configured.idleTimeout(),
                configured.tls(),
                suspend == null ? null : suspend.until());
    }

    private ShapingAction active(String site, Kind kind, Instant now) {
        Key k = new Key(site, kind);
        ShapingAction a = actions.get(k);
        if (a != null && !a.isActive(now)) {
            actions.remove(k, a);
            return null;
        }
        return a;
    }

    /** The actions in force, soonest end first; ended ones are dropped. */
    List<ShapingAction> all(Instant now) {
        List<ShapingAction> out = new ArrayList<>();
        actions.forEach((k, a) -> {
            if (a.isActive(now)) {
                out.add(a);
            } else {
                actions.remove(k, a);
            }
        });
        out.sort(Comparator.comparing(ShapingAction::until).thenComparing(ShapingAction::site));
        return out;
    }
}
