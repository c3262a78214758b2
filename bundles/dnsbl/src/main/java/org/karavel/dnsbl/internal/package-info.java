/**
 * DNS block lists: the {@code dnsbl} SMTP filter looks the client address up in Spamhaus ZEN at
 * connect and the sender domain (optionally the HELO name) in DBL at MAIL FROM, through the api
 * {@link org.karavel.api.dns.Resolver}, and at RCPT TO rejects a listed client or domain with
 * {@code 554 5.7.1} (or adds an {@code X-Karavel-DNSBL} header instead).
 *
 * <p>It must never block a network thread, never treat an error answer (127.255.255.x, 127.0.1.255),
 * a SERVFAIL or a timeout as a listing, never check authenticated clients, relay hosts or pass-listed clients
 * nor mail to postmaster, and never show the DQS key to a client. It exports nothing.
 */
package org.karavel.dnsbl.internal;
