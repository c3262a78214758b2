package org.karavel.delivery.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** IP addresses written as text, turned into InetAddress without ever asking DNS. */
final class IpLiteral {
    private IpLiteral() {}

    /** The address for a dotted IPv4 or a colon IPv6 text, or null when the text is a host name. */
    static InetAddress parse(String text) {
        String s = text;
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.regionMatches(true, 0, "IPv6:", 0, 5)) {
            s = s.substring(5);
        }
        boolean v4 = s.matches("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
        boolean v6 = s.indexOf(':') >= 0 && s.matches("[0-9A-Fa-f:.]+");
        if (!v4 && !v6) {
            return null;
        }
        try {
            // getByName does no lookup for a literal address
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
