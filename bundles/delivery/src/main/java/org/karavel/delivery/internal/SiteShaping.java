package org.karavel.delivery.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.karavel.api.metrics.Metric;
import org.karavel.api.shaping.ConnectionSlots;
import org.karavel.api.shaping.ConnectionSlots.Slot;
import org.karavel.api.shaping.LocalRateLimiter;
import org.karavel.api.shaping.RateLimiter;
import org.karavel.api.shaping.RateLimiter.Admission;
import org.karavel.api.shaping.ShapingAction;
import org.karavel.api.shaping.SiteLimits;
import org.karavel.api.shaping.SitePolicies;

/**
 * Delivery's side of traffic shaping: the site of a remote destination (its MX answer matched
 * against the shaping rules, cached so the scheduler can group before connecting), the site's limits
 * now, the rate budgets (asked on worker threads: a shared limiter makes a network round trip), and
 * reactions to remote replies. Without the shaping service every domain is its own site without limits.
 * With a shared store, a site's max_connections is also taken from the fleet's connection slots.
 */
final class SiteShaping {
    /** How long a domain's site is kept: the MX answer carries no TTL here; the resolver's cache honours it. */
    static final Duration SITE_TTL = Duration.ofMinutes(5);

    static final SiteShaping NONE = new SiteShaping(() -> null, () -> null);

    /** The slot of a connection whose site is counted on this node only (no shared store, or no site limit). */
    static final Slot UNSHARED = new Slot() {
        @Override
        public String key() {
            return "";
        }

        @Override
        public void close() {
            // nothing was taken
        }
    };

    private record Known(String site, Instant until) {}

    private final Supplier<SitePolicies> policies;
    private final Supplier<RateLimiter> limiter;
    /** The fleet's connection slots; null while no shared store publishes them. */
    private final Supplier<ConnectionSlots> slots;
    /** Used while no RateLimiter service is there (the shaping bundle stopped, say). */
    private final RateLimiter fallback = new LocalRateLimiter();

    private final Map<String, Known> sites = new ConcurrentHashMap<>();
    /** Messages taken for each site in the last minute. */
    final SiteRates rates = new SiteRates();

    SiteShaping(Supplier<SitePolicies> policies, Supplier<RateLimiter> limiter) {
        this(policies, limiter, () -> null);
    }

    SiteShaping(Supplier<SitePolicies> policies, Supplier<RateLimiter> limiter, Supplier<ConnectionSlots> slots) {
        this.policies = policies;
        this.limiter = limiter;
        this.slots = slots;
    }

    /** Whether shaping applies to the destination: remote SMTP to the recipient domain's MX hosts. */
    static boolean applies(Destination d) {
        return d.kind() == Destination.Kind.REMOTE && !d.name().startsWith("[");
    }

    /** Whether the shaping rules' service is there: without it delivery shapes nothing and names no site. */
    boolean active() {
        return policies.get() != null;
    }

    /**
     * The site of a remote destination, from the cache or from its MX hosts (on a worker: it may wait
     * for DNS). A failed MX lookup gives the domain itself (the transport meets the same failure).
     */
    String siteOf(Destination d, MxLookup mx, Instant now) throws InterruptedException {
        SitePolicies p = policies.get();
        if (p == null || !applies(d)) {
            return d.name();
        }
        Known k = sites.get(d.name());
        if (k != null && k.until().isAfter(now)) {
            return k.site();
        }
        List<String> hosts = new ArrayList<>();
        try {
            for (MxLookup.Exchanger e : mx.exchangers(d.name())) {
                if (!e.implicit()) {
                    hosts.add(e.host());
                }
            }
        } catch (DeliveryFailure f) {
            return d.name();
        }
        String site = p.siteOf(d.name(), hosts);
        sites.put(d.name(), new Known(site, now.plus(SITE_TTL)));
        return site;
    }

    /** The site of a domain when known (no I/O: for the scheduler and the queue listing), else null. */
    String cachedSite(String domain) {
        Known k = sites.get(domain);
        return k == null ? null : k.site();
    }

    /** The site's limits now; without the shaping service none. */
    SiteLimits limits(String site, Instant now) {
        SitePolicies p = policies.get();
        return p == null ? SiteLimits.unlimited(site) : p.limits(site, now);
    }

    /** Takes one message from the site's budget; admitted at once when the site has no rate. */
    Admission admitMessage(SiteLimits l, Instant now) {
        if (l.maxMessageRate() == null) {
            return Admission.admittedAt(now);
        }
        return limiter().tryAcquire("site:" + l.site(), l.maxMessageRate(), l.burst(), now);
    }

    /** Takes one new connection from the site's connection budget. */
    Admission admitConnection(SiteLimits l, Instant now) {
        if (l.maxConnectionRate() == null) {
            return Admission.admittedAt(now);
        }
        return limiter().tryAcquire("connect:" + l.site(), l.maxConnectionRate(), l.burst(), now);
    }

    /**
     * A slot of the site's max_connections in the fleet, for a new connection (a round trip to the
     * shared store, on a worker). {@link #UNSHARED} when no store runs or the site has no
     * max_connections; empty when the fleet holds every slot.
     */
    Optional<Slot> fleetSlot(SiteLimits l, Instant now) {
        ConnectionSlots s = slots.get();
        if (s == null || l.maxConnections() <= 0) {
            return Optional.of(UNSHARED);
        }
        return s.tryAcquire(slotKey(l.site()), l.maxConnections(), loweredFor(l, now));
    }

    static String slotKey(String site) {
        return "site:" + site;
    }

    /** How much longer a reaction keeps the site's max_connections at the limit given (zero: the rule's own). */
    private Duration loweredFor(SiteLimits l, Instant now) {
        SitePolicies p = policies.get();
        if (p == null) {
            return Duration.ZERO;
        }
        for (ShapingAction a : p.actions(now)) {
            if (a.kind() == ShapingAction.Kind.CONNECTIONS
                    && a.site().equals(l.site())
                    && a.connections() == l.maxConnections()
                    && a.isActive(now)) {
                return Duration.between(now, a.until());
            }
        }
        return Duration.ZERO;
    }

    /** The reaction a remote reply sets off on the site, if a rule matches. */
    Optional<ShapingAction> react(String site, String reply, Instant now) {
        SitePolicies p = policies.get();
        return p == null ? Optional.empty() : p.react(site, reply, now);
    }

    /** The gauge of open connections per site. */
    static Metric connectionsMetric(Map<String, Integer> perSite) {
        List<Metric.Sample> samples = new ArrayList<>();
        new TreeMap<>(perSite).forEach((site, n) -> samples.add(new Metric.Sample(Map.of("site", site), n)));
        return new Metric(
                "karavel_delivery_site_connections",
                "Open connections to remote sites, by traffic-shaping site.",
                Metric.Type.GAUGE,
                samples);
    }

    private RateLimiter limiter() {
        RateLimiter l = limiter.get();
        return l == null ? fallback : l;
    }
}
