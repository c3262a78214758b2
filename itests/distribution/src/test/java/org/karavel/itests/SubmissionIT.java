package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.HexFormat;
import java.util.List;
import javax.inject.Inject;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.BeforeClass;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.karavel.api.auth.MailboxUserAdmin;
import org.karavel.api.auth.MailboxUsers;
import org.karavel.api.tls.ServerTls;
import org.karavel.testkit.SmtpClient;
import org.karavel.testkit.SmtpSink;
import org.karavel.testkit.TrustAll;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The submission listeners of the real distribution: 587 with STARTTLS and AUTH required, 465 with
 * implicit TLS, real handshakes, users from the auth bundle's passwd-file, certificates from the tls
 * bundle.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SubmissionIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String USER = "alice@localhost";
    private static final String PASSWORD = "correct horse battery staple";
    private static SmtpSink sink;

    @Inject
    private MailboxUserAdmin users;

    @Inject
    private MailboxUsers authenticator;

    @Inject
    private ServerTls serverTls;

    @Inject
    private ConfigurationAdmin configAdmin;

    @Inject
    private org.osgi.framework.BundleContext context;

    @Configuration
    public Option[] config() {
        // only 127.0.0.1 may relay without AUTH: the tests connect from 127.0.0.2
        return KaravelContainer.options(
                editConfigurationFilePut("etc/org.karavel.relay.cfg", "relay_hosts", "127.0.0.1/32"));
    }

    @BeforeClass
    public static synchronized void startSink() throws IOException {
        if (sink == null) {
            sink = SmtpSink.start(Integer.getInteger(KaravelContainer.SINK_PORT));
        }
    }

    @org.junit.Before
    public void awaitListeners() {
        KaravelContainer.awaitListening(submissionPort());
        KaravelContainer.awaitListening(Integer.getInteger(KaravelContainer.SUBMISSIONS_PORT));
    }

    private void ensureUser() throws Exception {
        if (!users.list().contains(USER)) {
            users.add(USER, PASSWORD.toCharArray());
        }
        Poll.until(
                "the new user to authenticate",
                WAIT,
                () -> authenticator
                        .authenticate(USER, PASSWORD.toCharArray())
                        .toCompletableFuture()
                        .join()
                        .isPresent());
    }

    @Test
    public void submissionRequiresStartTlsThenAuthThenRelays() throws Exception {
        ensureUser();
        try (SmtpClient c = from127002(submissionPort())) {
            assertTrue(c.readReply().startsWith("220"));
            String ehlo = c.command("EHLO client.test");
            assertTrue(ehlo, ehlo.contains("STARTTLS"));
            assertFalse("no AUTH before TLS: " + ehlo, ehlo.contains("AUTH"));
            assertEquals("530 5.7.0 Must issue a STARTTLS command first", c.command("MAIL FROM:<" + USER + ">"));

            assertTrue(c.command("STARTTLS").startsWith("220"));
            Certificate[] chain = c.startTls(TrustAll.socketFactory());
            assertEquals(serverTls.current().certificateFingerprint(), fingerprint(chain[0]));
            assertTrue(
                    c.tlsParameters(),
                    c.tlsParameters().startsWith("TLSv1.3") || c.tlsParameters().startsWith("TLSv1.2"));

            ehlo = c.command("EHLO client.test");
            assertTrue(ehlo, ehlo.contains("AUTH PLAIN LOGIN"));
            assertFalse(ehlo, ehlo.contains("STARTTLS"));
            assertEquals("530 5.7.0 Authentication required", c.command("MAIL FROM:<" + USER + ">"));
            assertTrue(c.command("AUTH PLAIN " + plain(USER, "wrong")).startsWith("535 5.7.8"));
            assertTrue(c.command("AUTH PLAIN " + plain(USER, PASSWORD)).startsWith("235 2.7.0"));
            // an authenticated user sends only as itself
            assertTrue(c.command("MAIL FROM:<mallory@localhost>").startsWith("553 5.7.1"));
            String reply = c.sendMail(USER, List.of("friend@remote-by-auth.test"), "Subject: submitted\r\n\r\nHi.\r\n");
            assertTrue(reply, reply.startsWith("250 2.0.0"));
        }
        // friend@remote-by-auth.test has no DNS: the attempt defers, but the relay was accepted; the
        // Received header is checked on a message to a local mailbox instead
    }

    @Test
    public void implicitTlsOn465() throws Exception {
        ensureUser();
        try (SmtpClient c = from127002(Integer.getInteger(KaravelContainer.SUBMISSIONS_PORT))) {
            c.startTls(TrustAll.socketFactory());
            assertTrue(c.readReply().startsWith("220"));
            String ehlo = c.command("EHLO client.test");
            assertTrue(ehlo, ehlo.contains("AUTH PLAIN LOGIN"));
            assertTrue(c.command("AUTH PLAIN " + plain(USER, PASSWORD)).startsWith("235"));
            String reply = c.sendMail(USER, List.of("bob@localhost"), "Subject: over 465\r\n\r\nHi.\r\n");
            assertTrue(reply, reply.startsWith("250 2.0.0"));
        }
        Path newDir = Paths.get(System.getProperty("karaf.data"), "mail", "localhost", "bob", "new");
        Poll.until("the message in bob's Maildir", WAIT, () -> Maildirs.count(newDir) == 1);
        String stored;
        try (var files = Files.list(newDir)) {
            stored = Files.readString(files.findFirst().orElseThrow());
        }
        assertTrue(stored, stored.contains("with ESMTPSA"));
        assertTrue(stored, stored.contains("(using TLSv1."));
        assertFalse(stored, stored.contains(PASSWORD));
    }

    @Test
    public void startTlsCommandInjectionHasNoEffect() throws Exception {
        try (SmtpClient c = from127002(submissionPort())) {
            c.readReply();
            c.command("EHLO client.test");
            // the classic attack: a command pipelined behind STARTTLS in the same packet
            c.send("STARTTLS\r\nMAIL FROM:<injected@localhost>\r\n");
            assertTrue(c.readReply().startsWith("220"));
            c.startTls(TrustAll.socketFactory());
            assertTrue(c.command("EHLO client.test").startsWith("250"));
            // had MAIL been kept, this would be a nested MAIL (503); it must need AUTH like any first MAIL
            assertEquals("530 5.7.0 Authentication required", c.command("MAIL FROM:<" + USER + ">"));
        }
    }

    @Test
    public void failedLoginsAreThrottled() throws Exception {
        ensureUser();
        try (SmtpClient c = new SmtpClient("127.0.0.1", submissionPort(), new InetSocketAddress("127.0.0.3", 0))) {
            c.readReply();
            c.command("EHLO client.test");
            c.command("STARTTLS");
            c.startTls(TrustAll.socketFactory());
            c.command("EHLO client.test");
            for (int i = 0; i < 5; i++) {
                assertTrue(c.command("AUTH PLAIN " + plain(USER, "guess" + i)).startsWith("535 5.7.8"));
            }
            String r = c.command("AUTH PLAIN " + plain(USER, PASSWORD));
            assertTrue(r, r.startsWith("421 4.7.0"));
            assertTrue(c.isClosedByPeer());
        }
    }

    @Test
    public void aReplacedCertificateIsServedToTheNextConnection() throws Exception {
        String before = serverTls.current().certificateFingerprint();
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("karaf.data")), "tls");
        X509Certificate cert = writeCertificate(dir.resolve("cert.pem"), dir.resolve("key.pem"));
        org.osgi.service.cm.Configuration c = configAdmin.getConfiguration("org.karavel.tls", null);
        Dictionary<String, Object> props = c.getProperties() == null ? new Hashtable<>() : c.getProperties();
        props.put("cert_file", dir.resolve("cert.pem").toString());
        props.put("key_file", dir.resolve("key.pem").toString());
        c.update(props);
        String expected = fingerprint(cert);
        assertFalse(expected.equals(before));
        awaitServed(expected);

        // a renewal: new files written over the old ones, as certbot does
        String renewed = fingerprint(writeCertificate(dir.resolve("cert.pem"), dir.resolve("key.pem")));
        awaitServed(renewed);
    }

    private static void awaitServed(String fingerprint) {
        Poll.until("certificate " + fingerprint + " on 465", WAIT, () -> {
            try (SmtpClient s = from127002(Integer.getInteger(KaravelContainer.SUBMISSIONS_PORT))) {
                return fingerprint.equals(fingerprint(s.startTls(TrustAll.socketFactory())[0]));
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    public void usersManagedFromTheShellCanSubmit() throws Exception {
        String added = KarafShell.run(context, "mta:user-add --stdin carol@localhost", "carol's secret\n");
        assertFalse(added, added.contains("failed"));
        Poll.until(
                "carol in mta:user-list",
                WAIT,
                () -> KarafShell.run(context, "mta:user-list").contains("carol@localhost"));
        Poll.until(
                "carol to authenticate",
                WAIT,
                () -> authenticator
                        .authenticate("carol@localhost", "carol's secret".toCharArray())
                        .toCompletableFuture()
                        .join()
                        .isPresent());
        try (SmtpClient c = from127002(Integer.getInteger(KaravelContainer.SUBMISSIONS_PORT))) {
            c.startTls(TrustAll.socketFactory());
            c.readReply();
            c.command("EHLO client.test");
            assertTrue(c.command("AUTH PLAIN " + plain("carol@localhost", "carol's secret"))
                    .startsWith("235"));
        }
        KarafShell.run(context, "mta:user-remove carol@localhost");
        Poll.until(
                "carol to be gone",
                WAIT,
                () -> !KarafShell.run(context, "mta:user-list").contains("carol@localhost"));
        // the password never went into the file in clear
        String passwd = Files.readString(Path.of(System.getProperty("karaf.etc"), "karavel.passwd"));
        assertFalse(passwd.contains("carol's secret"));
    }

    private static int submissionPort() {
        return Integer.getInteger(KaravelContainer.SUBMISSION_PORT);
    }

    private static SmtpClient from127002(int port) throws IOException {
        return new SmtpClient("127.0.0.1", port, new InetSocketAddress("127.0.0.2", 0));
    }

    private static String plain(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** SHA-256 of the DER, as upper-case hex pairs with colons (the form openssl prints). */
    private static String fingerprint(Certificate cert) throws Exception {
        byte[] d = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
        return HexFormat.ofDelimiter(":").withUpperCase().formatHex(d);
    }

    private static X509Certificate writeCertificate(Path certFile, Path keyFile) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair kp = g.generateKeyPair();
        X500Name name = new X500Name("CN=mx.karavel.test");
        long now = System.currentTimeMillis();
        X509Certificate cert = new JcaX509CertificateConverter()
                .getCertificate(new JcaX509v3CertificateBuilder(
                                name,
                                BigInteger.valueOf(now),
                                new Date(now - 60_000),
                                new Date(now + 86_400_000L),
                                name,
                                kp.getPublic())
                        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
        Files.writeString(certFile, pem(cert));
        Files.writeString(keyFile, pem(kp.getPrivate()));
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
        return cert;
    }

    private static String pem(Object o) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            p.writeObject(
                    o instanceof PrivateKey k ? new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(k, null) : o);
        }
        return w.toString();
    }
}
