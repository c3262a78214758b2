package org.karavel.delivery.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * Connects a fresh socket to a next hop. The default connects to the address as given; tests
 * choose the port by host name, since every test server listens on 127.0.0.1.
 */
@FunctionalInterface
interface Connector {
    Connector PLAIN = (socket, host, address, timeoutMillis) -> socket.connect(address, timeoutMillis);

    /**
     * @param socket an unconnected socket, already known to the scheduler so that a stop can close it
     * @param host the host name the address belongs to (for logs and tests)
     * @param address where to connect
     */
    void connect(Socket socket, String host, InetSocketAddress address, int timeoutMillis) throws IOException;
}
