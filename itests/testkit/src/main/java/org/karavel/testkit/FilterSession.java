package org.karavel.testkit;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.karavel.api.filter.SessionView;

/**
 * An SMTP session as the smtp bundle shows it to an SmtpFilter, for driving a filter in a unit test.
 * Defaults: listener {@code mx}, client port 40000, local address 127.0.0.1:25, EHLO
 * {@code client.example}, clear text, not authenticated, no verified reverse name; the fluent
 * setters change one of them and return this session. Client addresses are IP literals only, so
 * that building a session never asks DNS.
 */
public final class FilterSession implements SessionView {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private String sessionId = "test";
    private String listenerName = "mx";
    private InetSocketAddress clientAddress;
    private InetSocketAddress localAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(), 25);
    private String clientReverseName;
    private String heloName = "client.example";
    private boolean extended = true;
    private TlsInfo tls;
    private String authenticatedUser;
    private final Map<String, Object> attributes = new ConcurrentHashMap<>();

    private FilterSession(InetSocketAddress clientAddress) {
        this.clientAddress = clientAddress;
    }

    /** A session from this client IP literal (IPv4 or IPv6), port 40000. */
    public static FilterSession from(String clientIp) {
        return new FilterSession(new InetSocketAddress(literal(clientIp), 40000));
    }

    /** A session from this client address and port (already resolved: no lookup). */
    public static FilterSession from(InetSocketAddress clientAddress) {
        return new FilterSession(Objects.requireNonNull(clientAddress, "clientAddress"));
    }

    /** Parses an IP literal; anything else is a mistake in the test, never a DNS query. */
    static InetAddress literal(String ip) {
        Objects.requireNonNull(ip, "ip");
        if (!IPV4.matcher(ip).matches() && !ip.contains(":")) {
            throw new IllegalArgumentException("not an IP literal: " + ip);
        }
        try {
            return InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP literal: " + ip, e);
        }
    }

    public FilterSession sessionId(String id) {
        this.sessionId = Objects.requireNonNull(id, "id");
        return this;
    }

    /** The listener's configuration name, e.g. {@code submission}. */
    public FilterSession listener(String name) {
        this.listenerName = Objects.requireNonNull(name, "name");
        return this;
    }

    /** The local IP literal and port the client connected to. */
    public FilterSession local(String ip, int port) {
        this.localAddress = new InetSocketAddress(literal(ip), port);
        return this;
    }

    /** The verified reverse DNS name of the client; null for none. */
    public FilterSession reverseName(String name) {
        this.clientReverseName = name;
        return this;
    }

    /** The name given in EHLO; null for a session before EHLO. */
    public FilterSession ehlo(String name) {
        this.heloName = name;
        this.extended = true;
        return this;
    }

    /** The name given in HELO (not EHLO); null for a session before HELO. */
    public FilterSession helo(String name) {
        this.heloName = name;
        this.extended = false;
        return this;
    }

    /** The authenticated user; null for an unauthenticated session. */
    public FilterSession user(String user) {
        this.authenticatedUser = user;
        return this;
    }

    /** An encrypted session with this protocol and cipher suite. */
    public FilterSession tls(String protocol, String cipherSuite) {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(cipherSuite, "cipherSuite");
        this.tls = new Tls(protocol, cipherSuite);
        return this;
    }

    /** Puts one attribute, as a filter or the relay policy would have at an earlier stage. */
    public FilterSession attribute(String key, Object value) {
        attributes.put(key, value);
        return this;
    }

    /** Marks the client as one of the relay policy's relay_hosts ({@link SessionView#RELAY_CLIENT}). */
    public FilterSession relayClient() {
        return attribute(RELAY_CLIENT, Boolean.TRUE);
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
        return clientAddress;
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public Optional<String> clientReverseName() {
        return Optional.ofNullable(clientReverseName);
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

    @Override
    public Map<String, Object> attributes() {
        return attributes;
    }

    @Override
    public String toString() {
        return "FilterSession[" + sessionId + " " + listenerName + " " + clientAddress + "]";
    }

    private record Tls(String protocol, String cipherSuite) implements TlsInfo {}
}
