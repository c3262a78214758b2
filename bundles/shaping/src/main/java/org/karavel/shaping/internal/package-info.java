/**
 * Traffic shaping: sites (a shaping rule's domains and MX host suffixes, else the recipient domain),
 * their limits, the reactions to remote replies ({@code etc/karavel.shaping-reactions}) and the
 * actions they start, published as {@link org.karavel.api.shaping.SitePolicies}; and the in-process
 * rate limiter as the {@link org.karavel.api.shaping.RateLimiter} service. With a fleet's
 * {@link org.karavel.api.shaping.SharedReactions}, the actions started here are published and the
 * other nodes' are read every 2 s (on its own thread) and applied.
 *
 * <p>Never: do I/O when asked (only the reactions file is looked at, at most every 2 s); wait or
 * sleep on the caller's thread; let a malformed rule file or reaction line stop the other rules.
 */
package org.karavel.shaping.internal;
