/**
 * TLS: the server side, one {@link org.karavel.api.tls.ServerTls} service that listeners (SMTP
 * STARTTLS and port 465, admin) ask for an {@link javax.net.ssl.SSLContext}; and the outbound side,
 * one {@link org.karavel.api.tls.OutboundTls} service with the per-destination policy (modes,
 * MTA-STS, DANE) and TLS-RPT that delivery follows. Only the {@code org.karavel.tls} bundle reads
 * certificate and key files.
 */
@Version("1.3.0")
@Export
package org.karavel.api.tls;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
