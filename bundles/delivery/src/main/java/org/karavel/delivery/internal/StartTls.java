package org.karavel.delivery.internal;

import java.io.IOException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.karavel.api.tls.HostTls;
import org.karavel.api.tls.OutboundTls;
import org.karavel.api.tls.TlsVerdict;

/**
 * STARTTLS on one SMTP connection under the outbound TLS policy (RFC 3207): sends it when the policy
 * wants TLS and the server offers it, runs the handshake with the policy's client context, and asks
 * the policy for the verdict. The handshake never fails on the certificate: the policy judges it
 * afterwards, so that the log and TLS-RPT can say why.
 */
final class StartTls {
    private final SmtpConnection connection;
    private final OutboundTls tls;
    private final HostTls host;
    private final DeliverySettings settings;

    StartTls(SmtpConnection connection, OutboundTls tls, HostTls host, DeliverySettings settings) {
        this.connection = connection;
        this.tls = tls;
        this.host = host;
        this.settings = settings;
    }

    /**
     * The verdict for this connection. After a failed handshake the connection is closed (the
     * verdict may ask for a clear-text retry on a new one); otherwise it is in the state the verdict
     * describes: under TLS (EHLO still to be sent again) or in clear text.
     *
     * @throws IOException when the connection is lost before or while answering STARTTLS
     */
    TlsVerdict negotiate() throws IOException {
        if (!host.startTls()) {
            return tls.withoutTls(host, false, "");
        }
        if (!connection.offers("STARTTLS")) {
            return tls.withoutTls(host, false, "STARTTLS not offered by " + connection.relay());
        }
        connection.send("STARTTLS");
        SmtpReply reply = connection.read(settings.replyTimeout());
        if (reply.code() != 220) {
            // the session is still in clear text and usable; the policy says whether that will do
            return tls.withoutTls(host, false, "STARTTLS refused by " + connection.relay() + ": " + reply.text());
        }
        SSLSocket socket;
        try {
            socket = connection.startTls(plain -> {
                SSLSocket s = (SSLSocket) tls.clientContext()
                        .getSocketFactory()
                        .createSocket(plain, host.mxHost(), plain.getPort(), true);
                s.setSSLParameters(tls.clientParameters(host));
                return s;
            });
        } catch (IOException e) {
            return tls.withoutTls(
                    host, true, "TLS handshake with " + connection.relay() + " failed: " + e.getMessage());
        }
        SSLSession session = socket.getSession();
        return tls.verify(host, x509(session), session.getProtocol(), session.getCipherSuite());
    }

    private static X509Certificate[] x509(SSLSession session) {
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            // no certificate at all (anonymous suite): an empty chain, which the policy judges
            chain = new Certificate[0];
        }
        List<X509Certificate> out = new ArrayList<>();
        for (Certificate c : chain) {
            if (c instanceof X509Certificate x) {
                out.add(x);
            }
        }
        return out.toArray(new X509Certificate[0]);
    }
}
