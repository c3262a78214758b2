package org.karavel.tls.internal;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Test CAs and server certificates with chosen names and dates, for the outbound checks. */
final class OutboundPki {
    private static final AtomicLong SERIAL = new AtomicLong(5000);

    /** A key and its certificate. */
    record Issued(KeyPair keys, X509Certificate certificate) {}

    private OutboundPki() {}

    static Issued ca(String name) throws Exception {
        KeyPair keys = TestPki.ec();
        return new Issued(
                keys,
                build(
                        "CN=" + name,
                        keys,
                        "CN=" + name,
                        keys,
                        true,
                        null,
                        Instant.now().minus(Duration.ofDays(1)),
                        Instant.now().plus(Duration.ofDays(365))));
    }

    static Issued intermediate(Issued issuer, String name) throws Exception {
        KeyPair keys = TestPki.ec();
        return new Issued(
                keys,
                build(
                        "CN=" + name,
                        keys,
                        subject(issuer),
                        issuer.keys(),
                        true,
                        null,
                        Instant.now().minus(Duration.ofDays(1)),
                        Instant.now().plus(Duration.ofDays(365))));
    }

    static Issued server(Issued issuer, String... dnsNames) throws Exception {
        return server(
                issuer, Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30)), dnsNames);
    }

    static Issued server(Issued issuer, Instant from, Instant until, String... dnsNames) throws Exception {
        KeyPair keys = TestPki.ec();
        return new Issued(
                keys, build("CN=" + dnsNames[0], keys, subject(issuer), issuer.keys(), false, dnsNames, from, until));
    }

    private static String subject(Issued issued) {
        return issued.certificate().getSubjectX500Principal().getName();
    }

    private static X509Certificate build(
            String subject,
            KeyPair keys,
            String issuer,
            KeyPair issuerKeys,
            boolean ca,
            String[] dnsNames,
            Instant from,
            Instant until)
            throws Exception {
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                new X500Name(issuer),
                BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(from),
                Date.from(until),
                new X500Name(subject),
                keys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (ca) {
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        }
        if (dnsNames != null) {
            GeneralName[] names = new GeneralName[dnsNames.length];
            for (int i = 0; i < dnsNames.length; i++) {
                names[i] = new GeneralName(GeneralName.dNSName, dnsNames[i]);
            }
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
        }
        return new JcaX509CertificateConverter()
                .getCertificate(
                        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
    }

    /** A server context presenting {@code leaf} followed by {@code chain}. */
    static SSLContext serverContext(Issued leaf, X509Certificate... chain) throws Exception {
        X509Certificate[] full = new X509Certificate[chain.length + 1];
        full[0] = leaf.certificate();
        System.arraycopy(chain, 0, full, 1, chain.length);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", leaf.keys().getPrivate(), "pw".toCharArray(), full);
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(store, "pw".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers.getKeyManagers(), null, null);
        return context;
    }
}
