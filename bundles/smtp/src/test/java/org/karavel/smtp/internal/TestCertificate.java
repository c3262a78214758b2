package org.karavel.smtp.internal;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.karavel.api.tls.ServerTls;
import org.karavel.api.tls.ServerTlsContext;

/** A self-signed certificate made in memory, a server context with it, and a client that trusts it. */
final class TestCertificate {
    private static final char[] PASSWORD = "test".toCharArray();

    final SSLContext server;
    final SSLSocketFactory client;

    private TestCertificate(SSLContext server, SSLSocketFactory client) {
        this.server = server;
        this.client = client;
    }

    static TestCertificate create(String hostname) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(256);
            KeyPair pair = generator.generateKeyPair();
            X500Name name = new X500Name("CN=" + hostname);
            long now = System.currentTimeMillis();
            X509Certificate cert = new JcaX509CertificateConverter()
                    .getCertificate(new JcaX509v3CertificateBuilder(
                                    name,
                                    BigInteger.valueOf(now),
                                    new Date(now - 60_000),
                                    new Date(now + 86_400_000L),
                                    name,
                                    pair.getPublic())
                            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("server", pair.getPrivate(), PASSWORD, new Certificate[] {cert});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, PASSWORD);
            SSLContext server = SSLContext.getInstance("TLS");
            server.init(kmf.getKeyManagers(), null, null);
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry("server", cert);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trusted);
            SSLContext client = SSLContext.getInstance("TLS");
            client.init(null, tmf.getTrustManagers(), null);
            return new TestCertificate(server, client.getSocketFactory());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A ServerTls service as the tls bundle gives it: TLS 1.3 and 1.2 only. */
    ServerTls service() {
        ServerTlsContext context = new ServerTlsContext(
                server,
                new String[] {"TLSv1.3", "TLSv1.2"},
                server.getDefaultSSLParameters().getCipherSuites(),
                "00:11",
                true);
        return () -> context;
    }
}
