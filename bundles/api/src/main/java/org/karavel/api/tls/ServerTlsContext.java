package org.karavel.api.tls;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * One immutable snapshot of the server TLS settings: a ready {@link SSLContext} holding the
 * certificate chain and key, and the protocols and cipher suites to enable on every connection
 * made from it (for Apache MINA's {@code SslFilter}: its enabled protocols and cipher suites).
 */
public final class ServerTlsContext {
    private final SSLContext sslContext;
    private final String[] protocols;
    private final String[] cipherSuites;
    private final String certificateFingerprint;
    private final boolean selfSigned;
    private final List<X509Certificate> certificateChain;

    /**
     * @param sslContext initialised with the server key managers
     * @param protocols the protocols to enable, e.g. {@code TLSv1.3, TLSv1.2}
     * @param cipherSuites the cipher suites to enable, in order of preference
     * @param certificateFingerprint SHA-256 of the leaf certificate, see {@link #certificateFingerprint()}
     * @param selfSigned whether the certificate was generated at start rather than provisioned
     */
    public ServerTlsContext(
            SSLContext sslContext,
            String[] protocols,
            String[] cipherSuites,
            String certificateFingerprint,
            boolean selfSigned) {
        this(sslContext, protocols, cipherSuites, certificateFingerprint, selfSigned, List.of());
    }

    /**
     * As above, with the certificate chain served (leaf first), for what must be published about it
     * (a TLSA record).
     */
    public ServerTlsContext(
            SSLContext sslContext,
            String[] protocols,
            String[] cipherSuites,
            String certificateFingerprint,
            boolean selfSigned,
            List<X509Certificate> certificateChain) {
        this.certificateChain = List.copyOf(certificateChain);
        this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
        this.protocols = protocols.clone();
        this.cipherSuites = cipherSuites.clone();
        this.certificateFingerprint = Objects.requireNonNull(certificateFingerprint, "certificateFingerprint");
        this.selfSigned = selfSigned;
    }

    /** The context to make server sockets or engines from; apply {@link #protocols()} and {@link #cipherSuites()}. */
    public SSLContext sslContext() {
        return sslContext;
    }

    /** The protocols to enable (a copy), e.g. {@code TLSv1.3, TLSv1.2}. */
    public String[] protocols() {
        return protocols.clone();
    }

    /** The cipher suites to enable (a copy), in order of preference. */
    public String[] cipherSuites() {
        return cipherSuites.clone();
    }

    /**
     * The SHA-256 fingerprint of the leaf certificate's DER encoding, as upper-case hex pairs
     * joined by colons: the form {@code openssl x509 -noout -fingerprint -sha256} prints.
     */
    public String certificateFingerprint() {
        return certificateFingerprint;
    }

    /** Whether the certificate was generated in memory at start because none was provisioned. */
    public boolean selfSigned() {
        return selfSigned;
    }

    /** The certificate chain served, leaf first; empty when the maker of this snapshot did not give it. */
    public List<X509Certificate> certificateChain() {
        return certificateChain;
    }

    /**
     * A new server-mode engine with the protocols and cipher suites applied, the server's suite
     * order preferred, and no client certificate asked for.
     */
    public SSLEngine newServerEngine() {
        SSLEngine engine = sslContext.createSSLEngine();
        engine.setUseClientMode(false);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setProtocols(protocols());
        parameters.setCipherSuites(cipherSuites());
        parameters.setUseCipherSuitesOrder(true);
        parameters.setNeedClientAuth(false);
        parameters.setWantClientAuth(false);
        engine.setSSLParameters(parameters);
        return engine;
    }

    @Override
    public String toString() {
        return "ServerTlsContext[" + (selfSigned ? "self-signed " : "") + certificateFingerprint + ", protocols="
                + String.join(",", protocols) + "]";
    }
}
