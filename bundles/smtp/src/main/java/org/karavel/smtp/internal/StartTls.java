package org.karavel.smtp.internal;

import javax.net.ssl.SSLSession;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.future.DefaultWriteFuture;
import org.apache.mina.core.future.WriteFuture;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.core.write.DefaultWriteRequest;
import org.apache.mina.filter.ssl.DisableEncryptWriteRequest;
import org.apache.mina.filter.ssl.SslFilter;
import org.karavel.api.tls.ServerTls;
import org.karavel.api.tls.ServerTlsContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS on one connection: whether STARTTLS (RFC 3207) is offered or required, the set-up of
 * MINA's TLS filter (after STARTTLS, or from the first byte on an implicit-TLS listener) and what
 * the handshake gave, and the STARTTLS command. Forgetting the clear-text state once the handshake
 * is done is the session's ({@code SmtpSession.secured}).
 */
final class StartTls {
    /** The session's logger: these are session events, and operators tune them as such. */
    private static final Logger LOG = LoggerFactory.getLogger(SmtpSession.class);

    private final SmtpSession session;
    private final IoSession io;
    private final SmtpListener listener;
    private final ListenerSettings settings;
    private boolean active;
    private String protocol;
    private String cipher;

    StartTls(SmtpSession session, IoSession io) {
        this.session = session;
        this.io = io;
        this.listener = session.listener;
        this.settings = session.settings;
    }

    /** Whether the handshake has completed: the session is encrypted. */
    boolean active() {
        return active;
    }

    String protocol() {
        return protocol;
    }

    String cipher() {
        return cipher;
    }

    /** Whether EHLO offers STARTTLS now. */
    boolean offered() {
        return !active
                && (settings.tls() == ListenerSettings.Tls.STARTTLS || settings.tls() == ListenerSettings.Tls.REQUIRED)
                && listener.serverTls() != null;
    }

    /** Whether MAIL, RCPT and AUTH must wait for STARTTLS ({@code tls = required}). */
    boolean required() {
        return settings.tls() == ListenerSettings.Tls.REQUIRED && !active;
    }

    /**
     * STARTTLS (RFC 3207). Whatever the client sent after the command line is thrown away unread
     * (the STARTTLS command-injection attack), and nothing is answered to it.
     */
    void command(String arg) {
        if (!arg.isEmpty()) {
            session.error(Replies.SYNTAX_STARTTLS);
            return;
        }
        if (active) {
            session.error(Replies.TLS_ACTIVE);
            return;
        }
        if (settings.tls() == ListenerSettings.Tls.NONE || settings.tls() == ListenerSettings.Tls.IMPLICIT) {
            session.error(Replies.NOT_IMPLEMENTED);
            return;
        }
        ServerTlsContext context = context();
        if (context == null) {
            session.reply(Replies.TLS_UNAVAILABLE);
            return;
        }
        session.startHandshake();
        // The filter goes in before the 220 is written (the 220 itself passes it in clear), so
        // that no byte read from now on can reach the session unencrypted, whatever thread this is.
        install(context, session::secured);
        sendReady();
    }

    /** A snapshot of the certificate for this one handshake (renewals apply to the next); null without one. */
    ServerTlsContext context() {
        ServerTls service = listener.serverTls();
        if (service == null) {
            return null;
        }
        try {
            return service.current();
        } catch (RuntimeException e) {
            LOG.warn("{}: no TLS context: {}", session.id(), e.toString());
            return null;
        }
    }

    /**
     * MINA's TLS filter, and behind it a marker that sees only decrypted input: the first
     * application data completes the switch to TLS ({@code decrypted} runs) even when MINA's
     * SECURED event comes after it (TLS 1.3 clients send their first command with their Finished
     * message).
     */
    void install(ServerTlsContext context, Runnable decrypted) {
        io.getFilterChain().addFirst("tls", new ServerTlsFilter(context, settings));
        io.getFilterChain().addAfter("tls", "tls-events", listener.tlsEvents());
        io.getFilterChain().addAfter("tls-events", "tls-decrypted", new IoFilterAdapter() {
            @Override
            public void messageReceived(NextFilter next, IoSession session, Object message) throws Exception {
                decrypted.run();
                next.messageReceived(session, message);
            }
        });
    }

    /**
     * Writes {@code 220 Ready to start TLS} in clear text through the TLS filter that
     * {@link #install} has already put in place, so that no byte read from now on can reach the
     * session unencrypted, whatever thread this is.
     */
    private void sendReady() {
        io.getFilterChain()
                .fireFilterWrite(
                        new ClearTextReply(IoBuffer.wrap(Replies.READY_TLS.bytes()), new DefaultWriteFuture(io)));
    }

    /** The handshake completed: note what it negotiated (for the Received header and the filters). */
    void established(ClientSession view) {
        Object attribute = io.getAttribute(SslFilter.SSL_SECURED);
        if (attribute instanceof SSLSession ssl) {
            protocol = ssl.getProtocol();
            cipher = ssl.getCipherSuite();
            view.tls(protocol, cipher);
        }
        active = true;
        listener.counters().tlsHandshake(settings.name(), protocol);
    }

    /** A reply that MINA's TLS filter lets through unencrypted: the 220 to STARTTLS. */
    private static final class ClearTextReply extends DefaultWriteRequest implements DisableEncryptWriteRequest {
        ClearTextReply(IoBuffer message, WriteFuture future) {
            super(message, future);
        }
    }
}
