package org.karavel.smtp.internal;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.ssl.SslFilter;
import org.karavel.api.tls.ServerTlsContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MINA's TLS filter with an engine made by the certificate snapshot (protocols, suites and their
 * order), or with the listener's own protocols and suites where its configuration names them.
 *
 * <p>It always passes the close of the session on. MINA 2.2's filter rethrows a handshake error
 * still pending in its handler (one found by a delegated task, e.g. a client offering only TLS 1.0)
 * from {@code sessionClosed}, which then never reaches the listener: that connection stayed counted
 * for ever, until the client's address was refused at every connect (issue 12).
 */
final class ServerTlsFilter extends SslFilter {
    private static final Logger LOG = LoggerFactory.getLogger(ServerTlsFilter.class);

    private final ServerTlsContext context;
    private final ListenerSettings settings;
    private final String[] protocols;
    private final String[] suites;

    ServerTlsFilter(ServerTlsContext context, ListenerSettings settings) {
        super(context.sslContext());
        this.context = context;
        this.settings = settings;
        this.protocols = settings.tlsProtocols().isEmpty()
                ? context.protocols()
                : settings.tlsProtocols().toArray(new String[0]);
        this.suites = settings.tlsCipherSuites().isEmpty()
                ? context.cipherSuites()
                : settings.tlsCipherSuites().toArray(new String[0]);
        setEnabledProtocols(protocols);
        setEnabledCipherSuites(suites);
    }

    @Override
    protected SSLEngine createEngine(IoSession session, InetSocketAddress peer) {
        SSLEngine engine = context.newServerEngine();
        if (!settings.tlsProtocols().isEmpty()) {
            engine.setEnabledProtocols(supported(protocols, engine.getSupportedProtocols()));
        }
        if (!settings.tlsCipherSuites().isEmpty()) {
            engine.setEnabledCipherSuites(supported(suites, engine.getSupportedCipherSuites()));
        }
        return engine;
    }

    @Override
    public void sessionClosed(NextFilter next, IoSession session) throws Exception {
        try {
            onClose(next, session, false);
        } catch (SSLException | RuntimeException e) {
            // already counted and logged once, when the handshake failed
            LOG.debug("{}: TLS error at close: {}", session.getId(), e.toString());
        }
        next.sessionClosed(session);
    }

    /** The wanted names the engine knows, in the wanted order (unknown ones were warned about at config time). */
    private static String[] supported(String[] wanted, String[] known) {
        Set<String> k = Set.of(known);
        return Arrays.stream(wanted).filter(k::contains).toArray(String[]::new);
    }
}
