package org.karavel.delivery.internal;

import java.net.Socket;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import org.karavel.api.queue.Spool;

/**
 * The transports a destination is delivered through: remote SMTP (MX hosts and transport table
 * routes), LMTP to a route's next hops, and the local transport (Maildir or LMTP). They read the
 * spool through {@link PoolHeaderSpool}, so no copy that leaves carries X-Karavel-Pool.
 */
final class Transports {
    private final Spool spool;
    private final Transport remote;
    private final Transport routedLmtp;
    private final Transport local;
    private final Routing routing;

    Transports(
            DeliverySettings settings,
            Spool spool,
            MxLookup mx,
            Connector connector,
            ScheduledExecutorService timer,
            Clock clock,
            Set<Socket> openSockets,
            OutboundServices outbound,
            DeliveryCounters counters,
            Myself myself,
            Routing routing) {
        this.routing = routing;
        this.spool = new PoolHeaderSpool(spool);
        Spool sent = this.spool;
        this.remote = new SmtpTransport(
                settings,
                sent,
                mx,
                connector,
                timer,
                clock,
                false,
                openSockets,
                outbound,
                counters,
                myself,
                routing.table(),
                routing.sending());
        this.routedLmtp = new SmtpTransport(
                settings,
                sent,
                mx,
                connector,
                timer,
                clock,
                true,
                openSockets,
                null,
                counters,
                myself,
                routing.table(),
                routing.sending());
        this.local = settings.lmtp() != null
                ? new SmtpTransport(
                        settings, sent, mx, connector, timer, clock, true, openSockets, null, counters, myself)
                : new MaildirTransport(settings, sent, clock);
    }

    /** The transport of a destination. */
    Transport of(Destination d) {
        if (d.kind() == Destination.Kind.LOCAL) {
            return local;
        }
        return routing.isLmtpRoute(d) ? routedLmtp : remote;
    }

    /** The spool as what leaves reads it: without X-Karavel-Pool (for the DSNs' returned header section too). */
    Spool spool() {
        return spool;
    }
}
