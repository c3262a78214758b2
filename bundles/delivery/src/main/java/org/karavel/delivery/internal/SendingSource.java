package org.karavel.delivery.internal;

import java.net.InetAddress;
import java.util.Objects;
import org.karavel.api.shaping.Rate;

/**
 * A source address for outbound connections (KumoMTA's egress_source; Postfix's smtp_bind_address with
 * smtp_helo_name): the local address a connection is bound to, the EHLO name said from it, and its
 * warm-up.
 *
 * @param name the source's name, as pools list it
 * @param address the local address (IPv4 or IPv6)
 * @param ehloName the name in EHLO; empty = delivery's helo_name
 * @param warmup the daily limits while the address is new
 * @param usable false when the address is not on this machine: pools skip it
 * @param maxMessageRate messages per period from this address, whatever the site; null for no limit
 */
record SendingSource(
        String name, InetAddress address, String ehloName, Warmup warmup, boolean usable, Rate maxMessageRate) {
    SendingSource {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        ehloName = ehloName == null ? "" : ehloName.strip();
        warmup = warmup == null ? Warmup.NONE : warmup;
    }

    /** A source without a message rate of its own. */
    SendingSource(String name, InetAddress address, String ehloName, Warmup warmup, boolean usable) {
        this(name, address, ehloName, warmup, usable, null);
    }

    /** The rate limiter key of the address's max_message_rate: {@code source:192.0.2.10}. */
    String limiterKey() {
        return "source:" + address.getHostAddress();
    }

    /** The rate limiter key of the address's warm-up (its day's budget): {@code warmup:192.0.2.10}. */
    String warmupKey() {
        return "warmup:" + address.getHostAddress();
    }
}
