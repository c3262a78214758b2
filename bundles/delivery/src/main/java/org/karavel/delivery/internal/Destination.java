package org.karavel.delivery.internal;

import java.util.Locale;

/**
 * Where a group of recipients goes: one queue, one concurrency limit and one set of reusable
 * connections per destination.
 *
 * @param kind how it is reached
 * @param name the recipient domain (lower case, or an address literal) for REMOTE, the route (its
 *     next hops and options, see {@link TransportTableFile#key}) for SMARTHOST, {@code maildir} or
 *     the LMTP next hop for LOCAL
 * @param source the name of the source address connections leave from ({@link SendingSource}), or
 *     empty for the address the system chooses
 */
record Destination(Kind kind, String name, String source) {
    Destination {
        source = source == null ? "" : source;
    }

    /** A destination reached from the address the system chooses. */
    Destination(Kind kind, String name) {
        this(kind, name, "");
    }

    /** The same destination, reached from that source address. */
    Destination from(String sourceName) {
        return new Destination(kind, name, sourceName);
    }

    enum Kind {
        /** The recipient domain's MX hosts. */
        REMOTE,
        /** A route of the transport table (or the smarthost key): SMTP or LMTP next hops, or refuse. */
        SMARTHOST,
        /** The local transport: Maildir or LMTP. */
        LOCAL
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(Locale.ROOT) + ":" + name + (source.isEmpty() ? "" : " from " + source);
    }
}
