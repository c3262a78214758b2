/**
 * Virus scanning: the {@code clamav} SMTP filter streams each message at end of data to clamd with
 * the {@code zINSTREAM} command (TCP or unix socket) and refuses a message clamd finds a signature
 * in with {@code 554 5.7.1}. When clamd is down, slow or answers garbage, {@code fail_mode} decides:
 * accept unscanned with a header ({@code open}) or {@code 451 4.7.1} ({@code closed}).
 *
 * <p>It must never block a network thread (the socket work runs on the bundle's own bounded scan
 * threads), never send clamd more than {@code max_size} octets, never refuse mail for clamd's own
 * failures in fail mode {@code open}, and never let a received {@code X-Virus-Scanned} field through.
 * It exports nothing.
 */
package org.karavel.clamav.internal;
