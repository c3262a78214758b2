package org.karavel.delivery.internal;

import java.net.InetAddress;
import java.util.Objects;

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
 */
record SendingSource(String name, InetAddress address, String ehloName, Warmup warmup, boolean usable) {
    SendingSource {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        ehloName = ehloName == null ? "" : ehloName.strip();
        warmup = warmup == null ? Warmup.NONE : warmup;
    }

    /** The rate limiter key of the address: {@code source:192.0.2.10}. */
    String limiterKey() {
        return "source:" + address.getHostAddress();
    }
}
