package org.karavel.tls.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.karavel.api.tls.ServerTls;
import org.karavel.api.tls.ServerTlsContext;

/** A loopback TLS server that asks {@link ServerTls#current()} for every connection, and a client. */
final class TlsPeers {
    private TlsPeers() {}

    /** What the client saw. */
    record Handshake(String protocol, String cipherSuite, X509Certificate[] chain) {
        X509Certificate leaf() {
            return chain[0];
        }
    }

    /** Accepts on 127.0.0.1, layers TLS from the current snapshot (as the SMTP listener will), answers "K". */
    static final class Server implements AutoCloseable {
        private final ServerSocket socket;
        private final Thread thread;
        final AtomicReference<Exception> lastFailure = new AtomicReference<>();

        Server(ServerTls tls) throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
            thread = new Thread(
                    () -> {
                        while (!socket.isClosed()) {
                            try (Socket raw = socket.accept()) {
                                ServerTlsContext context = tls.current();
                                // the parameters of the API's engine, so newServerEngine() is what is tested
                                SSLParameters parameters =
                                        context.newServerEngine().getSSLParameters();
                                try (SSLSocket ssl = (SSLSocket) context.sslContext()
                                        .getSocketFactory()
                                        .createSocket(raw, "127.0.0.1", raw.getPort(), true)) {
                                    ssl.setUseClientMode(false);
                                    ssl.setSSLParameters(parameters);
                                    ssl.startHandshake();
                                    ssl.getOutputStream().write('K');
                                    ssl.getOutputStream().flush();
                                }
                            } catch (Exception e) {
                                if (!socket.isClosed()) {
                                    lastFailure.set(e);
                                }
                            }
                        }
                    },
                    "test-tls-server");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    static TrustManager[] trusting(X509Certificate... anchors) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        for (int i = 0; i < anchors.length; i++) {
            store.setCertificateEntry("anchor" + i, anchors[i]);
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(store);
        return factory.getTrustManagers();
    }

    /** Accepts any server, for the self-signed certificate whose content the test then checks itself. */
    static TrustManager[] trustingAnything() {
        return new TrustManager[] {
            new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }
        };
    }

    /**
     * Connects to 127.0.0.1:port and completes a handshake; {@code protocols} and {@code suites} may be
     * {@code null} for the JDK client's defaults.
     */
    static Handshake connect(int port, TrustManager[] trust, List<String> protocols, List<String> suites)
            throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust, null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
            socket.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 5000);
            socket.setSoTimeout(5000);
            if (protocols != null) {
                socket.setEnabledProtocols(protocols.toArray(new String[0]));
            }
            if (suites != null) {
                socket.setEnabledCipherSuites(suites.toArray(new String[0]));
            }
            socket.startHandshake();
            InputStream in = socket.getInputStream();
            if (in.read() != 'K') {
                throw new IOException("the server did not answer");
            }
            return new Handshake(
                    socket.getSession().getProtocol(), socket.getSession().getCipherSuite(), (X509Certificate[])
                            socket.getSession().getPeerCertificates());
        }
    }
}
