package org.karavel.delivery.internal;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.Spool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where remote mail goes and where it leaves from: the transport table (routes) and the sending
 * addresses (pools). The scheduler asks it per message; the transports ask it per connection.
 *
 * @param table the transport table file, with the legacy smarthost key as its default entry
 * @param sending the source addresses and pools
 */
record Routing(TransportTableFile table, SendingAddresses sending) {
    private static final Logger LOG = LoggerFactory.getLogger(Routing.class);

    /** No transport table file, no pools: the smarthost key (if set) or MX, from the system's address. */
    static Routing of(DeliverySettings settings) {
        return new Routing(
                new TransportTableFile(
                        null, Duration.ZERO, TransportTable.Secrets.NONE, SmtpTransport.legacySmarthost(settings)),
                SendingAddresses.NONE);
    }

    /**
     * The destination of a remote recipient domain: its MX hosts, or the route of its transport
     * table entry (a refused domain's destination bounces it).
     */
    Destination destinationOf(String domain) {
        Route r = table.route(domain);
        return switch (r.kind()) {
            case MX -> new Destination(Destination.Kind.REMOTE, domain);
            case REFUSE -> new Destination(Destination.Kind.SMARTHOST, SmtpTransport.REFUSED + domain);
            default -> new Destination(Destination.Kind.SMARTHOST, TransportTableFile.key(r));
        };
    }

    /** Whether a destination is a route over LMTP (delivered by the LMTP client, not SMTP). */
    boolean isLmtpRoute(Destination d) {
        if (d.kind() != Destination.Kind.SMARTHOST) {
            return false;
        }
        Route r = table.byKey(d.name());
        return r != null && r.kind() == Route.Kind.LMTP;
    }

    /**
     * The destination as this message's sending of it leaves: from a source address of its pool, or
     * the destination unchanged when no pool applies (local and LMTP destinations never bind a
     * source); null when every source of its pool is over its limit: the recipients wait.
     */
    Destination from(QueuedMessage m, Destination d, Spool spool) {
        if (d.kind() == Destination.Kind.LOCAL || isLmtpRoute(d) || !sending.hasPools()) {
            return d;
        }
        SendingAddresses.Choice c = sending.choose(m.envelope(), poolHeader(m, spool));
        if (c.waits()) {
            LOG.debug(
                    "{}: every source address of pool {} is over its limit until {}", m.id(), c.pool(), c.waitUntil());
            return null;
        }
        return c.source() == null ? d : d.from(c.source().name());
    }

    /** The X-Karavel-Pool value of mail that originates here (other mail may not choose), or null. */
    private static String poolHeader(QueuedMessage m, Spool spool) {
        if (!m.envelope().origin().originatesHere()) {
            return null;
        }
        try (InputStream in = spool.openContent(m.id())) {
            return PoolHeader.read(in);
        } catch (IOException e) {
            // the transport meets the same read error and defers the message
            return null;
        }
    }
}
