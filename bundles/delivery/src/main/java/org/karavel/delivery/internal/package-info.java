/**
 * Delivery: takes due messages from the spool and delivers them, remote domains by SMTP to their
 * MX hosts (or the smarthost), local domains into Maildir or over LMTP; records per-recipient
 * results, retries with backoff, and returns an RFC 3464 DSN to the sender for recipients that
 * failed for good or expired.
 *
 * <p>It must never: lose a message (at-least-once: an attempt cut off by a stop or crash leaves the
 * message pending, so it may be delivered twice but never zero times); do network I/O on the
 * scheduler thread; bounce a message whose sender is the null path (such failures are logged and
 * dropped); let a recipient address choose a path outside maildir_root; talk to anything but the
 * configured resolver for DNS; send remote mail without the outbound TLS policy service (no policy:
 * deferred), decide on a certificate itself (only {@code OutboundTls.verify} does), or fall back to
 * clear text after a failed handshake unless the verdict asks for it ({@code clearTextRetry}).
 *
 * <p>Remote SMTP follows {@link org.karavel.api.tls.OutboundTls} (STARTTLS, EHLO again under TLS,
 * TLS-RPT record per session) and puts the {@link org.karavel.api.dkim.OutboundSigner}'s header
 * fields on top of every SMTP transaction; LMTP and Maildir are local: no TLS, no signature.
 *
 * <p>DSNs are at-least-once too: the DSN is committed to the spool before the failed message is
 * updated (recipients BOUNCED, {@code bounced} true), so a crash between the two sends a second DSN
 * after the retry fails again, never none. If the DSN cannot be queued, the failed recipients stay
 * pending and are tried again.
 *
 * <p>Operator controls ({@link org.karavel.api.queue.DeliveryControl}): a bounce lets a running
 * attempt of the message finish, then bounces what is still pending with one DSN; a suspended
 * recipient domain is skipped without counting an attempt (suspensions live in memory and are lost
 * when this bundle restarts); an attempt of a message the operator deleted meanwhile is not recorded
 * (no resurrection, no DSN).
 */
package org.karavel.delivery.internal;
