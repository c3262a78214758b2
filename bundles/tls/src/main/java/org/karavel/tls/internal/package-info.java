/**
 * TLS for Karavel. Server side: the {@link org.karavel.api.tls.ServerTls} service reads the
 * provisioned PEM certificate chain and private key (or generates a self-signed certificate in
 * memory), builds the {@link javax.net.ssl.SSLContext} with the JDK's JSSE, offers only TLS 1.3/1.2
 * with forward-secret AEAD suites, and swaps in a renewed certificate when the files change.
 * Outbound side: the {@link org.karavel.api.tls.OutboundTls} service chooses the TLS mode per
 * destination (configured rules, MTA-STS, default), applies DANE per MX host, judges each session's
 * certificate after the handshake, and counts sessions for the daily TLS-RPT reports.
 *
 * <p>It must never log or write key material, never register BouncyCastle as a security provider
 * (it only parses and generates with it), never replace a working certificate with a broken one,
 * never resolve a name except through the api Resolver, never follow an HTTP redirect for a policy,
 * never block a caller's thread on network I/O (fetches run on its own threads), and it exports
 * nothing.
 */
package org.karavel.tls.internal;
