/**
 * Outbound traffic shaping's shared parts: {@link org.karavel.api.shaping.Rate} (a rate such as
 * {@code 100/min}) and {@link org.karavel.api.shaping.RateLimiter}, the budget store that delivery
 * asks before it takes a message for a site or a source address. The in-process limiter is the
 * default; a shared store (Redis, for a fleet) can take its place as another service.
 * {@link org.karavel.api.shaping.SitePolicies} (1.1.0) is the shaping rules' service: sites,
 * their {@link org.karavel.api.shaping.SiteLimits} and the {@link org.karavel.api.shaping.ShapingAction}s
 * that reactions to remote replies take; an admission tells when the next event may go (1.2.0);
 * {@link org.karavel.api.shaping.SiteTraffic} is what delivery sends to each site now.
 * {@link org.karavel.api.shaping.ConnectionSlots} (1.2.0) holds a site's max_connections across the nodes of a
 * fleet; only a shared store publishes it. {@link org.karavel.api.shaping.SharedReactions} (1.3.0)
 * carries the actions of reactions from the node that saw the reply to the rest of the fleet.
 */
@Version("1.3.0")
@Export
package org.karavel.api.shaping;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
