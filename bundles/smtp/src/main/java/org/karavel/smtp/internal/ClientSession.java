package org.karavel.smtp.internal;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.karavel.api.filter.SessionView;

/** What filters see of a session. Read from filter threads, so the changing parts are volatile. */
final class ClientSession implements SessionView {
    private final String sessionId;
    private final String listenerName;
    private final InetSocketAddress client;
    private final InetSocketAddress local;
    private final Map<String, Object> attributes = new ConcurrentHashMap<>();
    private volatile String heloName;
    private volatile boolean extended;
    private volatile TlsInfo tls;
    private volatile String authenticatedUser;

    ClientSession(String sessionId, String listenerName, InetSocketAddress client, InetSocketAddress local) {
        this.sessionId = sessionId;
        this.listenerName = listenerName;
        this.client = client;
        this.local = local;
    }

    void helo(String name, boolean isExtended) {
        this.heloName = name;
        this.extended = isExtended;
    }

    /** The handshake completed with this protocol and cipher suite. */
    void tls(String protocol, String cipherSuite) {
        this.tls = new Tls(protocol, cipherSuite);
    }

    void authenticatedUser(String user) {
        this.authenticatedUser = user;
    }

    @Override
    public String sessionId() {
        return sessionId;
    }

    @Override
    public String listenerName() {
        return listenerName;
    }

    @Override
    public InetSocketAddress clientAddress() {
        return client;
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    /** Reverse DNS is not looked up by the listener (yet). */
    @Override
    public Optional<String> clientReverseName() {
        return Optional.empty();
    }

    @Override
    public Optional<String> heloName() {
        return Optional.ofNullable(heloName);
    }

    @Override
    public boolean extended() {
        return extended;
    }

    @Override
    public Optional<TlsInfo> tls() {
        return Optional.ofNullable(tls);
    }

    @Override
    public Optional<String> authenticatedUser() {
        return Optional.ofNullable(authenticatedUser);
    }

    private record Tls(String protocol, String cipherSuite) implements TlsInfo {}

    @Override
    public Map<String, Object> attributes() {
        return attributes;
    }

    @Override
    public String toString() {
        return sessionId;
    }
}
