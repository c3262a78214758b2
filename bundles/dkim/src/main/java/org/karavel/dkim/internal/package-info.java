/**
 * Message authentication at end of message: SPF (RFC 7208) for the MAIL FROM and HELO identities,
 * verification of every DKIM signature (RFC 6376, RFC 8463, RFC 8301), DMARC (RFC 7489), reported in
 * one {@code Authentication-Results} header (RFC 8601) added at the top. Received
 * Authentication-Results fields that claim this server's authserv-id are removed. Also DKIM signing
 * of outbound mail (rsa-sha256, plus ed25519-sha256 where a key exists) with PEM keys from the key
 * directory, as the api OutboundSigner delivery calls, and DkimKeys for the shell.
 *
 * <p>It must never block a network thread (the message is read on its own worker threads, DNS is
 * asked only through the api Resolver), never defer a message because DNS is slow (the time budget
 * gives temperror results instead), never accept an rsa-sha1 signature or an RSA key under 1024 bits,
 * and never check authenticated (submission) sessions. Signing must never log a private key,
 * overwrite a key file, or fail a delivery over a missing key (the mail goes out unsigned, counted).
 * It exports nothing.
 */
package org.karavel.dkim.internal;
