package org.karavel.delivery.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Which IP families outbound connections use and which is tried first: Postfix's
 * {@code inet_protocols} (all, ipv4, ipv6) and {@code smtp_address_preference} (ipv6, ipv4, any).
 * The preferred family's addresses come first and the other family's after them, so that a failed
 * connect falls back to the other family; {@code any} shuffles them, as Postfix does.
 */
record AddressFamilies(Protocols protocols, Preference preference) {
    /** Postfix's defaults: both families, no preference. */
    static final AddressFamilies DEFAULT = new AddressFamilies(Protocols.ALL, Preference.ANY);

    enum Protocols {
        ALL,
        IPV4,
        IPV6;

        static Protocols parse(String v) {
            String s = v == null ? "" : v.trim().toLowerCase(Locale.ROOT);
            return switch (s) {
                case "", "all" -> ALL;
                case "ipv4" -> IPV4;
                case "ipv6" -> IPV6;
                default -> throw new IllegalArgumentException("inet_protocols must be all, ipv4 or ipv6: " + v);
            };
        }
    }

    enum Preference {
        IPV6,
        IPV4,
        ANY;

        static Preference parse(String v) {
            String s = v == null ? "" : v.trim().toLowerCase(Locale.ROOT);
            return switch (s) {
                case "", "any" -> ANY;
                case "ipv4" -> IPV4;
                case "ipv6" -> IPV6;
                default -> throw new IllegalArgumentException("address_preference must be ipv6, ipv4 or any: " + v);
            };
        }
    }

    /** The usable addresses, preferred family first (the order within a family is kept). */
    List<InetAddress> order(List<InetAddress> addresses) {
        List<InetAddress> v6 = new ArrayList<>();
        List<InetAddress> v4 = new ArrayList<>();
        for (InetAddress a : addresses) {
            if (a instanceof Inet6Address && protocols != Protocols.IPV4) {
                v6.add(a);
            } else if (a instanceof Inet4Address && protocols != Protocols.IPV6) {
                v4.add(a);
            }
        }
        List<InetAddress> out = new ArrayList<>(v6.size() + v4.size());
        switch (preference) {
            case IPV6 -> {
                out.addAll(v6);
                out.addAll(v4);
            }
            case IPV4 -> {
                out.addAll(v4);
                out.addAll(v6);
            }
            default -> {
                out.addAll(v6);
                out.addAll(v4);
                Collections.shuffle(out);
            }
        }
        return out;
    }
}
