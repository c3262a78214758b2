/**
 * The HTTP admin API on the JDK's built-in HTTP server: queue inspection and control, delivery
 * suspension per domain, message injection, the effective configuration, Prometheus
 * {@code /metrics} and {@code /health}. Clients in {@code trusted_hosts} need no credentials; any
 * other client needs HTTPS and HTTP Basic auth of a user listed in {@code admin_users}. Every
 * request must name the listener in {@code Host}; a state-changing one must be JSON and not come
 * from another web site ({@link org.karavel.admin.internal.BrowserGuard}), and with
 * {@code token_file} a trusted client's one needs the bearer token.
 *
 * <p>It must never listen without a configuration, never send a CORS header, never accept credentials over plain HTTP from
 * an untrusted client, never show a secret configuration value or log a password, never run a
 * password check or a spool commit on the HTTP server's dispatcher thread, and never export a
 * package.
 */
package org.karavel.admin.internal;
