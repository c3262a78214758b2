/**
 * Outbound traffic shaping's shared parts: {@link org.karavel.api.shaping.Rate} (a rate such as
 * {@code 100/min}) and {@link org.karavel.api.shaping.RateLimiter}, the budget store that delivery
 * asks before it takes a message for a site or a source address. The in-process limiter is the
 * default; a shared store (Redis, for a fleet) can take its place as another service.
 */
@Version("1.0.0")
@Export
package org.karavel.api.shaping;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
