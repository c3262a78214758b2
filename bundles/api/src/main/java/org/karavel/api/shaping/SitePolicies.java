package org.karavel.api.shaping;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Traffic shaping's rules, as delivery asks them: which site a recipient domain belongs to, what
 * the site's limits are now, and what to do about a remote reply. Answers come from memory (no I/O),
 * so delivery may ask on its workers as often as it takes a message; the budgets themselves are kept
 * by the {@link RateLimiter} service.
 */
public interface SitePolicies {

    /**
     * The site of a recipient domain: the rule that lists the domain, else the rule whose MX suffix
     * the most preferred matching MX host ends with (longest suffix first), else the domain itself.
     *
     * @param domain the recipient domain, lower case
     * @param mxHosts its MX host names, most preferred first (empty for an implicit MX)
     */
    String siteOf(String domain, List<String> mxHosts);

    /** The site's limits in force at {@code now}: its rule's (or the default rule's), lowered by active reactions. */
    SiteLimits limits(String site, Instant now);

    /** The configured rules (the default one included, when there is one), by name. */
    List<SiteLimits> rules();

    /** The reactions in force at {@code now}, soonest expiry first. */
    List<ShapingAction> actions(Instant now);

    /**
     * Looks for a reaction rule matching a remote reply about the site, and applies the first one
     * that does. An action of the same kind already running on the site is extended, not doubled.
     *
     * @param reply the remote reply as received, e.g. {@code 421 4.7.28 ... rate limited ...}
     * @return the action taken, empty when no rule matches
     */
    Optional<ShapingAction> react(String site, String reply, Instant now);
}
