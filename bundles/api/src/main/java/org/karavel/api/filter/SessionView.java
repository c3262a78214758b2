package org.karavel.api.filter;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;

/** A read-only view of one SMTP session, as a filter sees it. */
public interface SessionView {
    /**
     * Attribute set to {@code Boolean.TRUE} by the relay policy at connect when the client is one of
     * its {@code relay_hosts}: the operator's own hosts, which spam filters (DNSBL, greylisting) exempt.
     */
    String RELAY_CLIENT = "karavel.relay_client";

    /** A short unique id of the session, for logs. */
    String sessionId();

    /** The name of the listener (its configuration name, e.g. {@code mx} or {@code submission}). */
    String listenerName();

    /** The client's address and port. */
    InetSocketAddress clientAddress();

    /** The local address and port the client connected to. */
    InetSocketAddress localAddress();

    /** The client's verified reverse DNS name, if it was looked up and confirmed. */
    Optional<String> clientReverseName();

    /** The name the client gave in HELO or EHLO, once given. */
    Optional<String> heloName();

    /** Whether the client used EHLO (rather than HELO). */
    boolean extended();

    /** Whether the session is encrypted, and with what; empty for a clear-text session. */
    Optional<TlsInfo> tls();

    /** The authenticated user, if the client authenticated. */
    Optional<String> authenticatedUser();

    /**
     * Per-session attributes: a filter may keep its own state here from one stage to the next
     * (for example a DNSBL answer looked up at connect and used at RCPT). Prefix keys with the
     * filter's name. The map is safe to use from the filter's callbacks. A session may outlive an
     * update of the filter's bundle: store JDK types only, or make the key name the class that wrote
     * it, so that the new copy of the filter never casts an object of the old one.
     */
    Map<String, Object> attributes();

    /** The TLS parameters of an encrypted session. */
    interface TlsInfo {
        String protocol();

        String cipherSuite();
    }
}
