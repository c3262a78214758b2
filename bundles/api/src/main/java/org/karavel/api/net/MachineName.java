package org.karavel.api.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * The name this machine gives itself when the operator configured none, as Postfix's myhostname
 * defaults: the canonical name of the host's address. The lookup may ask DNS and take seconds, so a
 * bundle looks it up once, when its configuration arrives, never per message.
 */
public final class MachineName {
    private MachineName() {}

    /** The canonical host name; empty when the lookup fails or gives back only an address. */
    public static Optional<String> canonical() {
        try {
            String name = InetAddress.getLocalHost().getCanonicalHostName();
            return isHostName(name) ? Optional.of(name) : Optional.empty();
        } catch (UnknownHostException | SecurityException e) {
            return Optional.empty();
        }
    }

    /**
     * The name to greet with in SMTP (banner, EHLO, Received): the canonical name, else this host's
     * address as an address literal ({@code [192.0.2.1]}, {@code [IPv6:2001:db8::1]}, RFC 5321 4.1.3),
     * else {@code localhost}.
     */
    public static String forSmtp() {
        Optional<String> name = canonical();
        if (name.isPresent()) {
            return name.get();
        }
        try {
            return addressLiteral(InetAddress.getLocalHost());
        } catch (UnknownHostException | SecurityException e) {
            return "localhost";
        }
    }

    /** An address as an SMTP address literal, without an IPv6 scope: {@code [192.0.2.1]}, {@code [IPv6:::1]}. */
    public static String addressLiteral(InetAddress address) {
        String text = address.getHostAddress();
        int scope = text.indexOf('%');
        text = scope >= 0 ? text.substring(0, scope) : text;
        return address instanceof Inet6Address ? "[IPv6:" + text + "]" : "[" + text + "]";
    }

    /** A DNS name (letters, digits, dots, hyphens, at least one letter), not an address written as text. */
    static boolean isHostName(String name) {
        return name != null && name.matches("[A-Za-z0-9.-]+") && name.chars().anyMatch(Character::isLetter);
    }
}
