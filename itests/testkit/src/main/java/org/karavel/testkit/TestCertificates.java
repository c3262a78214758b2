package org.karavel.testkit;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemGenerationException;

/**
 * A test certificate authority made in memory (EC P-256, BouncyCastle builds the certificates, the
 * JDK does the rest), and server certificates it signs for names such as {@code mx.remote.test}.
 * Nothing is written to disk unless a test writes {@link #pem()} itself.
 */
public final class TestCertificates {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    /** A key pair and its certificate. */
    public record Issued(KeyPair keys, X509Certificate certificate) {
        /** The certificate as PEM. */
        public String pem() {
            return TestCertificates.pem(certificate);
        }

        /** The private key as PEM, e.g. for a daemon's key file. */
        public String keyPem() {
            // PKCS#8 through BouncyCastle's generator, which OpenSSL 3 (redis-server, postfix...) reads
            try {
                return TestCertificates.pem(new JcaPKCS8Generator(keys.getPrivate(), null));
            } catch (PemGenerationException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private final Issued ca;

    private TestCertificates(Issued ca) {
        this.ca = ca;
    }

    /** A new CA with the given common name, valid from yesterday for a year. */
    public static TestCertificates authority(String name) {
        try {
            KeyPair keys = ec();
            return new TestCertificates(new Issued(keys, build("CN=" + name, keys, "CN=" + name, keys, true, null)));
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The CA certificate. */
    public X509Certificate certificate() {
        return ca.certificate();
    }

    /** The CA certificate as PEM, e.g. for a {@code trust_file}. */
    public String pem() {
        return ca.pem();
    }

    /** A server certificate for these DNS names (the first is also the CN), valid from yesterday for 30 days. */
    public Issued issue(String... dnsNames) {
        try {
            KeyPair keys = ec();
            return new Issued(
                    keys,
                    build(
                            "CN=" + dnsNames[0],
                            keys,
                            ca.certificate().getSubjectX500Principal().getName(),
                            ca.keys(),
                            false,
                            dnsNames));
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A server context that presents a certificate this CA signed for the names, and the CA after it. */
    public SSLContext serverContext(String... dnsNames) {
        return context(issue(dnsNames), ca.certificate());
    }

    /** A server context with a self-signed certificate for the names: trusted by nobody. */
    public static SSLContext selfSignedContext(String... dnsNames) {
        try {
            KeyPair keys = ec();
            X509Certificate cert = build("CN=" + dnsNames[0], keys, "CN=" + dnsNames[0], keys, false, dnsNames);
            return context(new Issued(keys, cert));
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client context that trusts only this CA (with the JDK's usual PKIX checks). */
    public SSLContext clientContext() {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("ca", ca.certificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A server context that presents {@code leaf}, then {@code chain}. */
    public static SSLContext context(Issued leaf, X509Certificate... chain) {
        try {
            X509Certificate[] full = new X509Certificate[chain.length + 1];
            full[0] = leaf.certificate();
            System.arraycopy(chain, 0, full, 1, chain.length);
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("server", leaf.keys().getPrivate(), "pw".toCharArray(), full);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, "pw".toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }

    private static KeyPair ec() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509Certificate build(
            String subject, KeyPair keys, String issuer, KeyPair issuerKeys, boolean ca, String[] dnsNames)
            throws GeneralSecurityException, OperatorCreationException, IOException {
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                new X500Name(issuer),
                BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofDays(1))),
                Date.from(now.plus(ca ? Duration.ofDays(365) : Duration.ofDays(30))),
                new X500Name(subject),
                keys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (ca) {
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        }
        if (dnsNames != null) {
            GeneralName[] names = new GeneralName[dnsNames.length];
            for (int i = 0; i < dnsNames.length; i++) {
                // an address literal (127.0.0.1, ::1) is an iPAddress name, as a client checking an IP expects
                boolean ip = dnsNames[i].matches("[0-9.]+|.*:.*");
                names[i] = new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, dnsNames[i]);
            }
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
        }
        return new JcaX509CertificateConverter()
                .getCertificate(
                        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
    }
}
