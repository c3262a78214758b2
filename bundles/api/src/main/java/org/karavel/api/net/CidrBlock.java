package org.karavel.api.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 network in CIDR notation ({@code 192.0.2.0/24}, {@code 2001:db8::/32}); a bare
 * address is a network of one. Parsing never looks anything up in DNS: only address literals are
 * accepted.
 */
public final class CidrBlock {
    private static final Pattern IPV4 =
            Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");

    private final byte[] network;
    private final int prefixLength;

    private CidrBlock(byte[] network, int prefixLength) {
        this.network = network;
        this.prefixLength = prefixLength;
    }

    /**
     * Parses {@code address/prefix} or a bare address.
     *
     * @throws IllegalArgumentException for anything else, including host bits set beyond the prefix
     *     ({@code 10.0.0.1/8}), which is usually a typo for something else
     */
    public static CidrBlock parse(String text) {
        String t = Objects.requireNonNull(text, "text").trim();
        int slash = t.indexOf('/');
        String addressText = slash < 0 ? t : t.substring(0, slash);
        byte[] address = literal(addressText, t);
        boolean v6Text = addressText.indexOf(':') >= 0;
        int textBits = v6Text ? 128 : 32;
        int prefix = textBits;
        if (slash >= 0) {
            String p = t.substring(slash + 1);
            if (!p.matches("\\d{1,3}")) {
                throw new IllegalArgumentException("invalid prefix length in " + t);
            }
            prefix = Integer.parseInt(p);
            if (prefix > textBits) {
                throw new IllegalArgumentException("prefix length over " + textBits + " in " + t);
            }
        }
        if (v6Text && address.length == 4) {
            // an IPv4-mapped IPv6 network (::ffff:192.0.2.0/120): Java gives its IPv4 form, so match as IPv4
            if (prefix < 96) {
                throw new IllegalArgumentException("IPv4-mapped network needs a prefix of at least 96: " + t);
            }
            prefix -= 96;
        }
        for (int bit = prefix; bit < address.length * 8; bit++) {
            if ((address[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
                throw new IllegalArgumentException("host bits set beyond the prefix in " + t);
            }
        }
        return new CidrBlock(address, prefix);
    }

    /**
     * The network of this prefix length that holds the address: {@code 2001:db8::/64} for
     * 2001:db8::1 and 64. Used to count clients by network, because one IPv6 client owns a whole /64.
     *
     * @throws IllegalArgumentException when the prefix length is beyond the address family's bits
     */
    public static CidrBlock enclosing(InetAddress address, int prefixLength) {
        byte[] a = Objects.requireNonNull(address, "address").getAddress();
        if (prefixLength < 0 || prefixLength > a.length * 8) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " for " + address.getHostAddress());
        }
        for (int bit = prefixLength; bit < a.length * 8; bit++) {
            a[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return new CidrBlock(a, prefixLength);
    }

    private static byte[] literal(String a, String whole) {
        if (IPV4.matcher(a).matches()) {
            return parseLiteral(a, whole);
        }
        // only hex digits, ':' and '.', starting with a hex digit or ':': InetAddress then parses it as
        // an IPv6 literal (or refuses it) and never falls back to a DNS lookup
        if (a.indexOf(':') >= 0
                && IPV6_CHARS.matcher(a).matches()
                && (a.charAt(0) == ':' || Character.digit(a.charAt(0), 16) >= 0)) {
            return parseLiteral(a, whole);
        }
        throw new IllegalArgumentException("not an IP address or CIDR network: " + whole);
    }

    private static byte[] parseLiteral(String a, String whole) {
        try {
            return InetAddress.getByName(a).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address or CIDR network: " + whole, e);
        }
    }

    /** Whether the address lies in this network; an IPv4 address never lies in an IPv6 network, nor the reverse. */
    public boolean contains(InetAddress address) {
        if (address == null) {
            return false;
        }
        byte[] a = address.getAddress();
        if (a.length != network.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[full] & mask) == (network[full] & mask);
    }

    public boolean isIpv4() {
        return network.length == 4;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CidrBlock
                && ((CidrBlock) o).prefixLength == prefixLength
                && Arrays.equals(((CidrBlock) o).network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefixLength;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + prefixLength;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
