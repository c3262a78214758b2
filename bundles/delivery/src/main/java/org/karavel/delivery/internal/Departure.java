package org.karavel.delivery.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;

/**
 * How a connection leaves: bound to a source address (null: the system's choice), the EHLO name it
 * says, the AUTH login it uses (null: none), and its shaping site's terms (time limits, TLS mode).
 */
record Departure(InetAddress bind, String ehloName, SmtpLogin login, SiteTerms terms) {
    /** The addresses a connection bound to the source can reach: those of its family. */
    List<InetAddress> sameFamily(List<InetAddress> addresses) {
        if (bind == null) {
            return addresses;
        }
        return addresses.stream()
                .filter(a -> (a instanceof Inet4Address) == (bind instanceof Inet4Address))
                .toList();
    }
}
