package org.karavel.relay.internal;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.EnvelopeView;
import org.karavel.api.filter.SessionView;

/** A session as the SMTP listener would show it to a filter. */
record TestSession(InetSocketAddress clientAddress, Optional<String> authenticatedUser, Map<String, Object> attributes)
        implements SessionView {

    static TestSession from(String ip) {
        return new TestSession(new InetSocketAddress(ip, 40000), Optional.empty(), new ConcurrentHashMap<>());
    }

    static TestSession authenticated(String ip, String user) {
        return new TestSession(new InetSocketAddress(ip, 40000), Optional.of(user), new ConcurrentHashMap<>());
    }

    @Override
    public String sessionId() {
        return "test";
    }

    @Override
    public String listenerName() {
        return "mx";
    }

    @Override
    public InetSocketAddress localAddress() {
        return new InetSocketAddress("127.0.0.1", 25);
    }

    @Override
    public Optional<String> clientReverseName() {
        return Optional.empty();
    }

    @Override
    public Optional<String> heloName() {
        return Optional.of("client.example");
    }

    @Override
    public boolean extended() {
        return true;
    }

    @Override
    public Optional<TlsInfo> tls() {
        return Optional.empty();
    }

    static EnvelopeView envelope() {
        return new EnvelopeView() {
            @Override
            public MailAddress sender() {
                return MailAddress.NULL_SENDER;
            }

            @Override
            public List<MailAddress> recipients() {
                return List.of();
            }

            @Override
            public Map<String, String> mailParameters() {
                return Map.of();
            }
        };
    }
}
