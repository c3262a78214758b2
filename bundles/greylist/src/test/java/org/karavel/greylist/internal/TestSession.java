package org.karavel.greylist.internal;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.EnvelopeView;
import org.karavel.api.filter.SessionView;

/** Small SessionView and EnvelopeView for driving the filter as the SMTP bundle would. */
final class TestSession implements SessionView {
    private final String listener;
    private final InetSocketAddress client;
    private final String user;
    private final Map<String, Object> attributes = new ConcurrentHashMap<>();

    TestSession(String listener, String clientIp, String user) {
        this.listener = listener;
        this.client = new InetSocketAddress(literal(clientIp), 40000);
        this.user = user;
    }

    private static java.net.InetAddress literal(String ip) {
        try {
            return java.net.InetAddress.getByName(ip); // literals only: no DNS
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static TestSession mx(String clientIp) {
        return new TestSession("mx", clientIp, null);
    }

    @Override
    public String sessionId() {
        return "test1";
    }

    @Override
    public String listenerName() {
        return listener;
    }

    @Override
    public InetSocketAddress clientAddress() {
        return client;
    }

    @Override
    public InetSocketAddress localAddress() {
        return new InetSocketAddress(literal("127.0.0.1"), 25);
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

    @Override
    public Optional<String> authenticatedUser() {
        return Optional.ofNullable(user);
    }

    @Override
    public Map<String, Object> attributes() {
        return attributes;
    }

    /** An envelope with this sender and no recipients accepted yet. */
    static EnvelopeView envelope(MailAddress sender) {
        return new EnvelopeView() {
            @Override
            public MailAddress sender() {
                return sender;
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
