package org.karavel.api.greylist;

import java.util.List;

/**
 * The greylist database, for operators (shell commands, admin API). Calls may wait for the
 * greylist's own thread, briefly: never call them from an SMTP I/O thread.
 */
public interface Greylist {
    /** The triplets most recently seen first, at most {@code limit} of them. */
    List<GreylistEntry> entries(int limit);

    /**
     * Lets mail through without delay.
     *
     * <p>With a sender and a recipient: that triplet passes from now on, as if it had been retried.
     * The client is an IP address (its network at the greylist's prefix length is used) or a CIDR
     * network no wider than that prefix.
     *
     * <p>With {@code sender} and {@code recipient} both {@code null}: every triplet from that client
     * IP address or CIDR network (of any width) passes, until the entry is removed from the store.
     *
     * @throws IllegalArgumentException for a malformed address or network, or only one of sender and
     *     recipient
     */
    void allow(String clientNetworkOrIp, String sender, String recipient);

    /** Figures on the database and on decisions since the bundle started. */
    GreylistStats stats();
}
