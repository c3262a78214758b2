/**
 * Server-side TLS: the one {@link org.karavel.api.tls.ServerTls} service that listeners (SMTP
 * STARTTLS and port 465, later admin) ask for an {@link javax.net.ssl.SSLContext}. Only the
 * {@code org.karavel.tls} bundle reads certificate and key files.
 */
@Version("1.0.0")
@Export
package org.karavel.api.tls;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
