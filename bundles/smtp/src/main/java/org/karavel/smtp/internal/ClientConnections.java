package org.karavel.smtp.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.karavel.api.net.CidrBlock;

/**
 * The open connections of one listener, in all and per client network (an IPv4 address or an IPv6
 * /64 by default). Each connection is counted once by {@link #open} and released once by
 * {@link Connection#release}, whichever of MINA's close events comes first; a network's entry
 * goes when its last connection closes, so the table never holds more than the open connections.
 */
final class ClientConnections {
    private final AtomicInteger total = new AtomicInteger();
    private final Map<CidrBlock, Integer> byNetwork = new ConcurrentHashMap<>();

    /**
     * Counts a new connection from this network.
     *
     * @param exempt whether the per-client limit does not apply to it (client_limit_exceptions)
     */
    Connection open(CidrBlock network, boolean exempt) {
        int all = total.incrementAndGet();
        int fromNetwork = byNetwork.merge(network, 1, Integer::sum);
        return new Connection(network, all, fromNetwork, exempt);
    }

    /** Connections open now (refused ones included until they are closed). */
    int total() {
        return total.get();
    }

    /** Connections open now from this network. */
    int from(CidrBlock network) {
        return byNetwork.getOrDefault(network, 0);
    }

    /** Networks with connections open now. */
    int networks() {
        return byNetwork.size();
    }

    /** One counted connection, with the counts at the moment it opened. */
    final class Connection {
        final CidrBlock network;
        final int totalAtOpen;
        final int fromNetworkAtOpen;
        final boolean exempt;
        private final AtomicBoolean open = new AtomicBoolean(true);

        private Connection(CidrBlock network, int totalAtOpen, int fromNetworkAtOpen, boolean exempt) {
            this.network = network;
            this.totalAtOpen = totalAtOpen;
            this.fromNetworkAtOpen = fromNetworkAtOpen;
            this.exempt = exempt;
        }

        /** Whether this connection is one too many: over max_connections, or over the per-client limit unless exempt. */
        boolean overLimit(ListenerSettings s) {
            return totalAtOpen > s.maxConnections() || (!exempt && fromNetworkAtOpen > s.maxConnectionsPerIp());
        }

        /** Releases the connection; later calls do nothing. */
        void release() {
            if (open.compareAndSet(true, false)) {
                total.decrementAndGet();
                byNetwork.computeIfPresent(network, (k, v) -> v <= 1 ? null : v - 1);
            }
        }
    }
}
