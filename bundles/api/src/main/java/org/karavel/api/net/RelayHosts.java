package org.karavel.api.net;

import java.net.InetAddress;

/**
 * The operator's own hosts (the relay policy's {@code relay_hosts}, Postfix's {@code mynetworks}):
 * they may relay, and the SMTP listeners exempt them from per-client limits by default.
 */
public interface RelayHosts {
    /** Whether this client address is one of the relay hosts. */
    boolean isRelayHost(InetAddress client);
}
