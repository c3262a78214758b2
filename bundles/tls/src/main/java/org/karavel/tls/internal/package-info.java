/**
 * Server TLS: the {@link org.karavel.api.tls.ServerTls} service. Reads the provisioned PEM
 * certificate chain and private key (or generates a self-signed certificate in memory), builds the
 * {@link javax.net.ssl.SSLContext} with the JDK's JSSE, offers only TLS 1.3/1.2 with forward-secret
 * AEAD suites, and swaps in a renewed certificate when the files change.
 *
 * <p>It must never log or write key material, never register BouncyCastle as a security provider
 * (it only parses and generates with it), never replace a working certificate with a broken one,
 * and it exports nothing.
 */
package org.karavel.tls.internal;
