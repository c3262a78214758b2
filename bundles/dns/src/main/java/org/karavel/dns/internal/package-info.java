/**
 * The one DNS resolver of Karavel: a caching, asynchronous stub resolver on dnsjava, registered as
 * the {@link org.karavel.api.dns.Resolver} service and configured by PID {@code org.karavel.dns}.
 *
 * <p>It must never block a caller's thread (every answer is a {@code CompletionStage}), never ask
 * servers other than the configured ones (or the system's when none are configured), and never
 * export anything: other bundles see only the api interface.
 */
package org.karavel.dns.internal;
