/**
 * The one DNS resolver of Karavel: a caching, asynchronous stub resolver on dnsjava, registered as
 * the {@link org.karavel.api.dns.Resolver} service and configured by PID {@code org.karavel.dns}.
 *
 * <p>It must never block a caller's thread (every answer is a {@code CompletionStage}), never ask
 * servers other than the configured ones (or the system's when none are configured), and never
 * export anything: other bundles see only the api interface. It must never call a TLSA answer
 * authentic unless DNSSEC vouched for it (the AD bit of a trusted server with {@code dnssec = trust_ad},
 * or its own validation with {@code dnssec = validate}): DANE trusts exactly that.
 */
package org.karavel.dns.internal;
