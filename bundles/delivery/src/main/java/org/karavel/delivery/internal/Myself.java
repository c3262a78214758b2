package org.karavel.delivery.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Which next hops are this server itself, so that delivery never connects to itself (Postfix's
 * "mail for X loops back to myself"). An address is ours when one of our SMTP listeners listens on
 * it at the port delivery would use (a wildcard listener: any interface address of the machine), or
 * when it is one of {@code proxy_interfaces} (an address that reaches us through NAT or a proxy, any
 * port). A host name is ours when it is the EHLO name or a listener's host name.
 */
final class Myself {
    /** Nothing is ourselves: for tests that deliver to sinks on the machine's own addresses. */
    static final Myself NOBODY = new Myself(List::of, Set.of(), Set::of);

    private final Supplier<List<InetSocketAddress>> listeners;
    private final Set<InetAddress> proxyAddresses;
    private final Supplier<Set<String>> names;

    /**
     * @param listeners where our SMTP listeners listen now (asked at every check: listeners change)
     * @param proxyAddresses addresses that reach this server whatever the port
     * @param names our host names, asked at every check
     */
    Myself(Supplier<List<InetSocketAddress>> listeners, Set<InetAddress> proxyAddresses, Supplier<Set<String>> names) {
        this.listeners = listeners;
        this.proxyAddresses = Set.copyOf(proxyAddresses);
        this.names = names;
    }

    /** Whether a connection to {@code address:port} would reach this server. */
    boolean isMyself(InetAddress address, int port) {
        if (proxyAddresses.contains(address)) {
            return true;
        }
        for (InetSocketAddress l : listeners.get()) {
            if (l.getPort() != port || l.getAddress() == null) {
                continue;
            }
            InetAddress bound = l.getAddress();
            if (bound.isAnyLocalAddress()) {
                // 0.0.0.0 listens on every IPv4 address, :: on every address of both families
                if ((!(bound instanceof Inet4Address) || address instanceof Inet4Address)
                        && interfaceAddresses().contains(address)) {
                    return true;
                }
            } else if (bound.equals(address)) {
                return true;
            }
        }
        return false;
    }

    /** Whether an MX host name is one of ours. */
    boolean isMyName(String host) {
        String h = normalise(host);
        return !h.isEmpty() && names.get().stream().anyMatch(n -> normalise(n).equals(h));
    }

    private static String normalise(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    /** The addresses of the machine's network interfaces, as Postfix's inet_interfaces = all. */
    static Set<InetAddress> interfaceAddresses() {
        try {
            return Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                    .flatMap(NetworkInterface::inetAddresses)
                    .collect(Collectors.toSet());
        } catch (SocketException e) {
            return Set.of();
        }
    }
}
