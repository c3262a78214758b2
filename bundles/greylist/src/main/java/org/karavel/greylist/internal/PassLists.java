package org.karavel.greylist.internal;

import java.net.InetAddress;
import java.util.Locale;
import java.util.Set;
import org.karavel.api.address.MailAddress;
import org.karavel.api.net.CidrBlock;

/**
 * The static pass lists of the configuration. Domain entries match the domain and its subdomains,
 * as postgrey's whitelists do. Mail to postmaster always passes (RFC 5321 §4.5.1: it must be
 * reachable, and a sender may not retry).
 */
final class PassLists {
    private final GreylistSettings settings;

    PassLists(GreylistSettings settings) {
        this.settings = settings;
    }

    boolean client(InetAddress client) {
        for (CidrBlock block : settings.passClients()) {
            if (block.contains(client)) {
                return true;
            }
        }
        return false;
    }

    boolean sender(MailAddress sender) {
        return sender != null
                && !sender.isNullSender()
                && !sender.isAddressLiteral()
                && inDomains(sender.domainKey(), settings.passSenderDomains());
    }

    boolean recipient(MailAddress recipient) {
        String local = recipient.localPart().toLowerCase(Locale.ROOT);
        if (local.equals("postmaster") || local.equals("\"postmaster\"")) {
            return true;
        }
        Set<String> list = settings.passRecipients();
        return list.contains(recipient.toString().toLowerCase(Locale.ROOT))
                || !recipient.isAddressLiteral() && inDomains(recipient.domainKey(), list);
    }

    /** Whether {@code domain} or one of its parent domains is in the list. */
    private static boolean inDomains(String domain, Set<String> list) {
        if (list.isEmpty()) {
            return false;
        }
        String d = domain;
        while (true) {
            if (list.contains(d)) {
                return true;
            }
            int dot = d.indexOf('.');
            if (dot < 0) {
                return false;
            }
            d = d.substring(dot + 1);
        }
    }
}
