package org.karavel.admin.internal;

import java.security.KeyManagementException;
import java.security.Provider;
import java.security.SecureRandom;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import org.karavel.api.tls.ServerTls;
import org.karavel.api.tls.ServerTlsContext;

/**
 * An SSLContext for the JDK's HttpsServer that asks the tls bundle for its current snapshot at
 * every new connection, since HttpsServer keeps the one context it was given: a renewed
 * certificate is served from the next connection on, without restarting the listener.
 */
final class CurrentServerTls extends SSLContext {
    CurrentServerTls(Supplier<ServerTls> tls) {
        super(
                new Spi(tls),
                new Provider("KaravelAdminTls", "1.0", "the tls bundle's current server context") {
                    private static final long serialVersionUID = 1L;
                },
                "TLS");
    }

    /** The snapshot in force now; fails the handshake (never falls back to clear text) when there is none. */
    static ServerTlsContext snapshot(Supplier<ServerTls> tls) {
        ServerTls service = tls.get();
        if (service == null) {
            throw new IllegalStateException("no ServerTls service: the tls bundle is not running");
        }
        return service.current();
    }

    /** The parameters every connection gets: the snapshot's protocols and suites, server order, no client certificate. */
    static SSLParameters parameters(ServerTlsContext c) {
        SSLParameters p = c.sslContext().getDefaultSSLParameters();
        p.setProtocols(c.protocols());
        p.setCipherSuites(c.cipherSuites());
        p.setUseCipherSuitesOrder(true);
        p.setNeedClientAuth(false);
        p.setWantClientAuth(false);
        return p;
    }

    private static final class Spi extends SSLContextSpi {
        private final Supplier<ServerTls> tls;

        Spi(Supplier<ServerTls> tls) {
            this.tls = tls;
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) throws KeyManagementException {
            // the tls bundle's contexts are initialised already
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return snapshot(tls).sslContext().getSocketFactory();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return snapshot(tls).sslContext().getServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return snapshot(tls).newServerEngine();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            ServerTlsContext c = snapshot(tls);
            SSLEngine engine = c.sslContext().createSSLEngine(host, port);
            engine.setUseClientMode(false);
            engine.setSSLParameters(parameters(c));
            return engine;
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return snapshot(tls).sslContext().getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return snapshot(tls).sslContext().getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return parameters(snapshot(tls));
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return snapshot(tls).sslContext().getSupportedSSLParameters();
        }
    }
}
