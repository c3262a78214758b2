package org.karavel.clamav.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * Where clamd listens: {@code unix:/run/clamav/clamd.ctl} (clamd.conf {@code LocalSocket}) or
 * {@code tcp:127.0.0.1:3310} ({@code TCPAddr}, {@code TCPSocket}; {@code tcp:[::1]:3310} for IPv6).
 *
 * @param host the TCP host, null for a unix socket
 * @param path the unix socket, null for TCP
 */
record ClamdAddress(String host, int port, Path path) {

    static ClamdAddress parse(String text) {
        String t = text.strip();
        if (t.startsWith("unix:")) {
            String p = t.substring("unix:".length());
            if (p.isEmpty()) {
                throw new IllegalArgumentException("unix: needs the path of clamd's LocalSocket");
            }
            return new ClamdAddress(null, 0, Path.of(p));
        }
        if (!t.startsWith("tcp:")) {
            throw new IllegalArgumentException("neither unix:/path nor tcp:host:port");
        }
        String hostPort = t.substring("tcp:".length());
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("tcp: needs host:port");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("tcp: port is not a number");
        }
        if (host.isEmpty() || port < 1 || port > 65535) {
            throw new IllegalArgumentException("tcp: needs a host and a port from 1 to 65535");
        }
        return new ClamdAddress(host, port, null);
    }

    boolean unix() {
        return path != null;
    }

    /** A new, unconnected channel of the right family: connect it with {@link #connect}. */
    SocketChannel newChannel() throws IOException {
        return unix() ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
    }

    /**
     * Connects a channel from {@link #newChannel}, blocking (on a scan thread). A host name is
     * resolved here, on that thread, never when the configuration is read.
     */
    void connect(SocketChannel channel) throws IOException {
        SocketAddress to;
        if (unix()) {
            to = UnixDomainSocketAddress.of(path);
        } else {
            InetSocketAddress inet = new InetSocketAddress(host, port);
            if (inet.isUnresolved()) {
                throw new UnknownHostException(host);
            }
            to = inet;
        }
        channel.connect(to);
    }

    @Override
    public String toString() {
        if (unix()) {
            return "unix:" + path;
        }
        return "tcp:" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
