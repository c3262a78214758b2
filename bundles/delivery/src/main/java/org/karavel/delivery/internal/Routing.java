package org.karavel.delivery.internal;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.Spool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where remote mail goes and where it leaves from: the transport table (routes) and the sending
 * addresses (pools). The scheduler asks it per message; the transports ask it per connection.
 */
final class Routing {
    private static final Logger LOG = LoggerFactory.getLogger(Routing.class);
    /** Pool header values kept at most; past it the cache starts again (values are read again). */
    private static final int MAX_HEADERS = 50_000;

    private final TransportTableFile table;
    private final SendingAddresses sending;
    /** The X-Karavel-Pool value of each message read so far (empty: none), read off the scheduler thread. */
    private final Map<QueueId, Optional<String>> headers = new ConcurrentHashMap<>();

    private final Set<QueueId> reading = ConcurrentHashMap.newKeySet();
    private final ThreadPoolExecutor reader;

    Routing(TransportTableFile table, SendingAddresses sending) {
        this.table = table;
        this.sending = sending;
        this.reader = new ThreadPoolExecutor(1, 1, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "karavel-delivery-pool-header");
            t.setDaemon(true);
            return t;
        });
        reader.allowCoreThreadTimeOut(true);
    }

    TransportTableFile table() {
        return table;
    }

    SendingAddresses sending() {
        return sending;
    }

    /**
     * Whether the message's pool can be chosen now. The scheduler thread does no file I/O: when the
     * message's X-Karavel-Pool field has not been read yet, it is read on a thread of its own, which
     * wakes the scheduler afterwards, and the message waits for the next scan.
     */
    boolean ready(QueuedMessage m, Spool spool, Runnable wake) {
        if (!sending.hasPools() || !m.envelope().origin().originatesHere() || headers.containsKey(m.id())) {
            return true;
        }
        if (reading.add(m.id())) {
            if (headers.size() > MAX_HEADERS) {
                headers.clear();
            }
            reader.execute(() -> {
                headers.put(m.id(), Optional.ofNullable(poolHeader(m, spool)));
                reading.remove(m.id());
                wake.run();
            });
        }
        return false;
    }

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
     * source); none when every source of its pool is over its limit: the recipients wait until then.
     */
    Leaving from(QueuedMessage m, Destination d, Spool spool) {
        if (d.kind() == Destination.Kind.LOCAL || isLmtpRoute(d) || !sending.hasPools()) {
            return new Leaving(d, null);
        }
        Optional<String> header = headers.getOrDefault(m.id(), Optional.empty());
        SendingAddresses.Choice c = sending.choose(m.envelope(), header.orElse(null));
        if (c.waits()) {
            LOG.debug(
                    "{}: every source address of pool {} is over its limit until {}", m.id(), c.pool(), c.waitUntil());
            return new Leaving(null, c.waitUntil());
        }
        return new Leaving(c.source() == null ? d : d.from(c.source().name()), null);
    }

    /**
     * How a sending of a message leaves: its destination (from its source address), or null and the
     * instant the first source of its pool has room again (the limiter's retryAt).
     */
    record Leaving(Destination destination, Instant waitUntil) {}

    /** The X-Karavel-Pool value of a message, or null. */
    private static String poolHeader(QueuedMessage m, Spool spool) {
        try (InputStream in = spool.openContent(m.id())) {
            return PoolHeader.read(in);
        } catch (IOException e) {
            // the transport meets the same read error and defers the message
            return null;
        }
    }
}
