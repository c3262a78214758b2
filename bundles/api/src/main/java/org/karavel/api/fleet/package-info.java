/**
 * What the nodes of a fleet agree on through a shared store (Redis), as services that a store
 * bundle publishes only when one is configured: {@link org.karavel.api.fleet.Fleet} (the nodes and
 * their heartbeats), {@link org.karavel.api.fleet.SharedCounters} (throttle counts such as AUTH
 * failures per client network) and {@link org.karavel.api.fleet.SharedGreylist} (triplets decided
 * across nodes). With no such service a bundle keeps its embedded state, exactly as on one node.
 *
 * <p>Every call answers asynchronously and completes exceptionally when the store is unreachable
 * or slow; callers then fall back to their local state and never refuse or lose mail for it.
 */
@Version("1.0.0")
@Export
package org.karavel.api.fleet;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
