package org.karavel.greylist.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import org.karavel.api.address.MailAddress;

/**
 * The greylist key: client network, normalised envelope sender, recipient. Its store key joins the
 * three with a NUL, which no part may contain (addresses and networks never do).
 */
record Triplet(String clientNetwork, String sender, String recipient) {
    static final String NULL_SENDER = "<>";
    private static final char SEPARATOR = '\0';
    // BATV (prvs=tag=local, msprvs1=tag=local, btv1==tag==local): the tag changes with every message
    private static final Pattern BATV = Pattern.compile("^(?:prvs|msprvs1)=[^=]+=|^btv1==[^=]+==");
    // SRS0=hash=tt=domain=local: hash and timestamp change every day, keep domain and local part
    private static final Pattern SRS0 = Pattern.compile("^srs0[=+-][^=]+=[^=]+=");
    // VERP and bounce-tracking numbers, as postgrey does: bounce-12345 and bounce-12346 are one sender
    private static final Pattern NUMBER = Pattern.compile("\\b\\d+\\b");

    Triplet {
        Objects.requireNonNull(clientNetwork, "clientNetwork");
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(recipient, "recipient");
        if ((clientNetwork + sender + recipient).indexOf(SEPARATOR) >= 0) {
            throw new IllegalArgumentException("triplet parts may not contain NUL");
        }
    }

    static Triplet of(InetAddress client, MailAddress sender, MailAddress recipient, int ipv4Prefix, int ipv6Prefix) {
        return new Triplet(clientNetwork(client, ipv4Prefix, ipv6Prefix), sender(sender), recipient(recipient));
    }

    String key() {
        return clientNetwork + SEPARATOR + sender + SEPARATOR + recipient;
    }

    static Triplet fromKey(String key) {
        String[] parts = key.split(String.valueOf(SEPARATOR), -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("not a triplet key: " + key.replace(SEPARATOR, '|'));
        }
        return new Triplet(parts[0], parts[1], parts[2]);
    }

    /**
     * The sender as postgrey compares it: lower case; BATV and SRS0 tags removed; a {@code +extension}
     * of the local part removed; every whole number in the local part replaced by {@code #}.
     */
    static String sender(MailAddress sender) {
        if (sender == null || sender.isNullSender()) {
            return NULL_SENDER;
        }
        return sender(sender.localPart(), sender.domain());
    }

    static String sender(String localPart, String domain) {
        String local = localPart.toLowerCase(Locale.ROOT);
        local = BATV.matcher(local).replaceFirst("");
        local = SRS0.matcher(local).replaceFirst("srs0=");
        int plus = local.indexOf('+');
        if (plus > 0) {
            local = local.substring(0, plus);
        }
        local = NUMBER.matcher(local).replaceAll("#");
        return local + "@" + domain.toLowerCase(Locale.ROOT);
    }

    /** The recipient in lower case (postgrey does no more to it). */
    static String recipient(MailAddress recipient) {
        return recipient.toString().toLowerCase(Locale.ROOT);
    }

    /** The network of {@code client}: {@code 192.0.2.0/24} or {@code 2001:db8:1:2:0:0:0:0/64} by default. */
    static String clientNetwork(InetAddress client, int ipv4Prefix, int ipv6Prefix) {
        byte[] a = client.getAddress();
        int prefix = client instanceof Inet4Address ? ipv4Prefix : ipv6Prefix;
        for (int bit = prefix; bit < a.length * 8; bit++) {
            a[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        try {
            return InetAddress.getByAddress(a).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
