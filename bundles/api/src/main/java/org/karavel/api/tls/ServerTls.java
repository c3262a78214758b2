package org.karavel.api.tls;

/**
 * The server certificate and TLS settings of this MTA, for every listener that offers TLS
 * (STARTTLS, implicit TLS on port 465, the admin API). No other bundle reads certificate or key
 * files.
 *
 * <p>The certificate may be renewed while the server runs: ask {@link #current()} again for every
 * new connection (never cache the snapshot in a listener), so a renewed certificate is served at
 * once. A connection keeps the snapshot it started with.
 */
public interface ServerTls {
    /** The snapshot in force now; never {@code null}. Cheap: a volatile read. */
    ServerTlsContext current();
}
