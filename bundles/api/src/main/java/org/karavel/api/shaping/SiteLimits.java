package org.karavel.api.shaping;

import java.time.Duration;
import java.time.Instant;

/**
 * What delivery may do towards one site: its shaping rule's limits (or the defaults), as lowered by
 * the reactions active now. A zero count or a null value means "no limit of this kind here": delivery's
 * own configuration applies.
 *
 * @param site the site's name: the rule's name, or the recipient domain when no rule matches
 * @param maxConnections open connections to the site at once, across its domains; 0 = no site limit
 * @param maxMessageRate messages (transactions) per period to the site, or null
 * @param maxConnectionRate new connections per period to the site, or null
 * @param burst events allowed at once on a fresh rate budget, at least 1
 * @param maxDeliveriesPerConnection transactions before a reused connection is closed; 0 = delivery's own
 * @param connectTimeout TCP connect time limit, or null for delivery's own
 * @param idleTimeout how long an idle connection waits for more mail, or null for delivery's own
 * @param tls the outbound TLS mode ({@code Opportunistic}, {@code Required}, ...), empty for the TLS policy's
 * @param suspendedUntil while set and in the future, no mail goes to the site
 */
public record SiteLimits(
        String site,
        int maxConnections,
        Rate maxMessageRate,
        Rate maxConnectionRate,
        int burst,
        int maxDeliveriesPerConnection,
        Duration connectTimeout,
        Duration idleTimeout,
        String tls,
        Instant suspendedUntil) {

    public SiteLimits {
        if (site == null || site.isBlank()) {
            throw new IllegalArgumentException("a site needs a name");
        }
        burst = Math.max(1, burst);
        tls = tls == null ? "" : tls;
    }

    /** A site without limits of its own (a domain no rule matches, when no default rule exists). */
    public static SiteLimits unlimited(String site) {
        return new SiteLimits(site, 0, null, null, 1, 0, null, null, "", null);
    }

    /** Whether no mail may go to the site at {@code now}. */
    public boolean isSuspended(Instant now) {
        return suspendedUntil != null && suspendedUntil.isAfter(now);
    }

    /** The same limits under another site name. */
    public SiteLimits named(String name) {
        return new SiteLimits(
                name,
                maxConnections,
                maxMessageRate,
                maxConnectionRate,
                burst,
                maxDeliveriesPerConnection,
                connectTimeout,
                idleTimeout,
                tls,
                suspendedUntil);
    }
}
