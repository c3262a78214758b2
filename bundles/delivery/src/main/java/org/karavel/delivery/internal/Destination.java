package org.karavel.delivery.internal;

import java.util.Locale;

/**
 * Where a group of recipients goes: one queue, one concurrency limit and one set of reusable
 * connections per destination.
 *
 * @param kind how it is reached
 * @param name the recipient domain (lower case, or an address literal) for REMOTE, the next hop for
 *     SMARTHOST, {@code maildir} or the LMTP next hop for LOCAL
 */
record Destination(Kind kind, String name) {
    enum Kind {
        /** The recipient domain's MX hosts. */
        REMOTE,
        /** The configured smarthost, for all remote mail. */
        SMARTHOST,
        /** The local transport: Maildir or LMTP. */
        LOCAL
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(Locale.ROOT) + ":" + name;
    }
}
