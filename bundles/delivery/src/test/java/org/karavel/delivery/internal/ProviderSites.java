package org.karavel.delivery.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.karavel.api.shaping.ShapingAction;
import org.karavel.api.shaping.ShapingAction.Kind;
import org.karavel.api.shaping.SiteLimits;
import org.karavel.api.shaping.SitePolicies;

/**
 * Shaping rules for delivery's tests, in the shape of the shaping bundle's service: sites by MX
 * suffix, fixed limits per site, and one reaction per site (a reply prefix and what it does). The
 * shaping bundle's own rule parsing and matching are tested there.
 */
final class ProviderSites implements SitePolicies {
    private record Reaction(String replyPrefix, Kind kind, Duration duration, int connections) {}

    private final Map<String, String> suffixes = new ConcurrentHashMap<>();
    private final Map<String, SiteLimits> limits = new ConcurrentHashMap<>();
    private final Map<String, Reaction> reactions = new ConcurrentHashMap<>();
    private final List<ShapingAction> started = new CopyOnWriteArrayList<>();

    ProviderSites site(String name, String mxSuffix, SiteLimits siteLimits) {
        suffixes.put(mxSuffix, name);
        limits.put(name, siteLimits.named(name));
        return this;
    }

    ProviderSites reaction(String site, String replyPrefix, Kind kind, Duration duration) {
        reactions.put(site, new Reaction(replyPrefix, kind, duration, 0));
        return this;
    }

    /** A reaction that lowers the site's max_connections to {@code connections} for {@code duration}. */
    ProviderSites connections(String site, String replyPrefix, int connections, Duration duration) {
        reactions.put(site, new Reaction(replyPrefix, Kind.CONNECTIONS, duration, connections));
        return this;
    }

    List<ShapingAction> started() {
        return List.copyOf(started);
    }

    @Override
    public String siteOf(String domain, List<String> mxHosts) {
        for (String h : mxHosts) {
            for (Map.Entry<String, String> e : suffixes.entrySet()) {
                if (h.endsWith(e.getKey())) {
                    return e.getValue();
                }
            }
        }
        return domain;
    }

    @Override
    public SiteLimits limits(String site, Instant now) {
        SiteLimits l = limits.getOrDefault(site, SiteLimits.unlimited(site));
        for (ShapingAction a : started) {
            if (a.site().equals(site) && a.kind() == Kind.CONNECTIONS && a.isActive(now)) {
                l = new SiteLimits(
                        site,
                        a.connections(),
                        l.maxMessageRate(),
                        l.maxConnectionRate(),
                        l.burst(),
                        l.maxDeliveriesPerConnection(),
                        l.connectTimeout(),
                        l.idleTimeout(),
                        l.tls(),
                        l.suspendedUntil());
            }
        }
        for (ShapingAction a : started) {
            if (a.site().equals(site) && a.kind() == Kind.SUSPEND && a.isActive(now)) {
                return new SiteLimits(
                        site,
                        l.maxConnections(),
                        l.maxMessageRate(),
                        l.maxConnectionRate(),
                        l.burst(),
                        l.maxDeliveriesPerConnection(),
                        l.connectTimeout(),
                        l.idleTimeout(),
                        l.tls(),
                        a.until());
            }
        }
        return l;
    }

    @Override
    public List<SiteLimits> rules() {
        return new ArrayList<>(limits.values());
    }

    @Override
    public List<ShapingAction> actions(Instant now) {
        return started.stream().filter(a -> a.isActive(now)).toList();
    }

    @Override
    public synchronized Optional<ShapingAction> react(String site, String reply, Instant now) {
        Reaction r = reactions.get(site);
        if (r == null || !reply.startsWith(r.replyPrefix())) {
            return Optional.empty();
        }
        if (r.kind() != Kind.BOUNCE && started.stream().anyMatch(a -> a.site().equals(site) && a.isActive(now))) {
            return Optional.empty();
        }
        ShapingAction a =
                new ShapingAction(site, r.kind(), null, r.connections(), now.plus(r.duration()), reply, "test:1");
        started.add(a);
        return Optional.of(a);
    }
}
