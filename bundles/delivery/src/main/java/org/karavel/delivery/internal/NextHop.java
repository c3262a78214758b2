package org.karavel.delivery.internal;

import java.util.Locale;

/**
 * A configured next hop: a smarthost or an LMTP server. {@code [host]:port} means "this host's
 * addresses, no MX lookup", as in Postfix's relayhost; a bare {@code host:port} is looked up as a
 * mail domain (MX first).
 *
 * @param host the host name or IP address, without brackets
 * @param port the TCP port
 * @param mxLookup whether to look up MX records for host
 */
record NextHop(String host, int port, boolean mxLookup) {

    /** Parses {@code host}, {@code host:port}, {@code [host]} or {@code [host]:port} (IPv6 only in brackets). */
    static NextHop parse(String spec, int defaultPort) {
        String s = spec.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty next hop");
        }
        String host;
        String rest;
        boolean bracketed = s.startsWith("[");
        if (bracketed) {
            int close = s.indexOf(']');
            if (close < 2) {
                throw new IllegalArgumentException("bad next hop: " + spec);
            }
            host = s.substring(1, close);
            rest = s.substring(close + 1);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon >= 0 && s.indexOf(':') != colon) {
                throw new IllegalArgumentException("an IPv6 next hop needs brackets: " + spec);
            }
            host = colon >= 0 ? s.substring(0, colon) : s;
            rest = colon >= 0 ? s.substring(colon) : "";
        }
        int port = defaultPort;
        if (!rest.isEmpty()) {
            if (!rest.startsWith(":")) {
                throw new IllegalArgumentException("bad next hop: " + spec);
            }
            try {
                port = Integer.parseInt(rest.substring(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad port in next hop: " + spec, e);
            }
        }
        if (port < 1 || port > 65535 || host.isEmpty() || host.contains("/") || host.contains(" ")) {
            throw new IllegalArgumentException("bad next hop: " + spec);
        }
        // an IP address is never looked up as a domain
        boolean literal = IpLiteral.parse(host) != null;
        return new NextHop(host.toLowerCase(Locale.ROOT), port, !bracketed && !literal);
    }

    @Override
    public String toString() {
        return (mxLookup ? host : "[" + host + "]") + ":" + port;
    }
}
