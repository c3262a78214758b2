package org.karavel.delivery.internal;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.karavel.api.tls.TlsMode;

/**
 * Where the transport table sends a recipient domain (Postfix's transport_maps result): its MX hosts,
 * one or more SMTP next hops tried in order (failover), an LMTP server, or nowhere (refused).
 *
 * @param kind how the mail goes
 * @param hops the next hops in the order they are tried; empty for MX and REFUSE
 * @param auth the SMTP AUTH login and where its password is, or null for none
 * @param tls the TLS mode towards the next hops, or null: the outbound TLS policy for their host names
 */
record Route(Kind kind, List<NextHop> hops, SmtpLogin auth, TlsMode tls) {
    enum Kind {
        /** The recipient domain's MX hosts, as without a table entry. */
        MX,
        /** SMTP to the hops, in order. */
        SMTP,
        /** LMTP to the hops, in order. */
        LMTP,
        /** Not delivered: the recipients bounce at once. */
        REFUSE
    }

    static final Route MX = new Route(Kind.MX, List.of(), null, null);

    Route {
        hops = List.copyOf(hops);
    }

    /** The route as the table writes it (without options), e.g. {@code smtp:[a]:587,smtp:[b]:587}: its destination name. */
    String name() {
        return switch (kind) {
            case MX -> "mx";
            case REFUSE -> "refuse";
            default ->
                hops.stream()
                        .map(h -> kind.name().toLowerCase(Locale.ROOT) + ":" + h)
                        .collect(Collectors.joining(","));
        };
    }

    @Override
    public String toString() {
        return name() + (auth == null ? "" : " auth=" + auth.user()) + (tls == null ? "" : " tls=" + tls);
    }
}
