package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.SmtpSink;
import org.karavel.testkit.TestCertificates;
import org.xbill.DNS.Type;

/**
 * DANE (RFC 7672) on the running distribution: the DNS server on 127.0.0.1 plays a validating
 * resolver (AD bit on every answer), the dns bundle trusts it ({@code dnssec = trust_ad}) and the
 * outbound TLS policy applies DANE. The receiving SMTP server presents a certificate from a CA
 * nobody trusts: a domain whose MX publishes {@code 3 1 1 <SHA-256 of its public key>} gets the mail
 * anyway (DANE-EE), a domain whose MX publishes a TLSA record that does not match it does not.
 */
public class DaneIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static LoopbackDnsServer dns;
    private static SmtpSink sink;
    private static Distribution karavel;
    private static int smtpPort;

    @BeforeClass
    public static void boot() throws Exception {
        TestCertificates unknownCa = TestCertificates.authority("Nobody Trusts This CA");
        TestCertificates.Issued leaf = unknownCa.issue("mx.dane.test", "mx.wrong.test");
        SSLContext serverContext = TestCertificates.context(leaf);
        byte[] spki = MessageDigest.getInstance("SHA-256").digest(leaf.certificate().getPublicKey().getEncoded());
        String spkiHex = HexFormat.of().formatHex(spki);
        byte[] wrong = spki.clone();
        wrong[0] ^= 0x01;

        sink = SmtpSink.startWithTls(serverContext);
        dns = LoopbackDnsServer.start();
        dns.authenticData(true);
        dns.add("dane.test", Type.MX, "10 mx.dane.test.", 60);
        dns.add("mx.dane.test", Type.A, "127.0.0.1", 60);
        dns.add("_25._tcp.mx.dane.test", Type.TLSA, "3 1 1 " + spkiHex, 60);
        dns.add("wrong.test", Type.MX, "10 mx.wrong.test.", 60);
        dns.add("mx.wrong.test", Type.A, "127.0.0.1", 60);
        dns.add("_25._tcp.mx.wrong.test", Type.TLSA, "3 1 1 " + HexFormat.of().formatHex(wrong), 60);

        karavel = Distribution.unpack("dane");
        smtpPort = KaravelContainer.freePort();
        karavel.listenersOnLoopback(smtpPort);
        karavel.configure("org.karavel.dns.cfg", Map.of("servers", dns.address(), "dnssec", "trust_ad"));
        karavel.configure("org.karavel.tls.outbound.cfg", Map.of("dane", "true", "tlsrpt", "false"));
        karavel.configure("org.karavel.delivery.cfg", Map.of("remote_port", Integer.toString(sink.port())));
        karavel.start();
        Distribution.awaitSmtp(smtpPort);
    }

    @AfterClass
    public static void stop() throws Exception {
        Distribution.closeAll(karavel, sink, dns);
    }

    @Test
    public void aMatchingDaneEeRecordAuthenticatesACertificateNobodyTrusts() throws Exception {
        RelayedMail.queue(smtpPort, "someone@dane.test", "Subject: DANE-EE\r\n\r\nhello over authenticated TLS\r\n");

        Poll.until("the message at the sink", WAIT, () -> sink.messages().stream()
                .anyMatch(m -> m.recipients().contains("someone@dane.test")));
        int index = RelayedMail.indexAtSink(sink, "someone@dane.test");
        assertTrue("delivered in clear text", sink.tlsProtocols().get(index).startsWith("TLSv1."));
        assertTrue("the dns bundle asked for the TLSA record", dns.queries("_25._tcp.mx.dane.test") > 0);
        Poll.until("the delivery in the mail log", WAIT,
                () -> karavel.mailLog().lines().anyMatch(l -> l.contains("delivered to=<someone@dane.test>")));
        String delivered = karavel.mailLog().lines().filter(l -> l.contains("delivered to=<someone@dane.test>"))
                .findFirst().orElseThrow();
        assertTrue("DANE did not decide: " + delivered, delivered.contains("dane"));
    }

    @Test
    public void aTlsaRecordThatDoesNotMatchDefersTheMessage() throws Exception {
        RelayedMail.queue(smtpPort, "someone@wrong.test", "Subject: wrong TLSA\r\n\r\nmust not arrive\r\n");

        Poll.until("the deferral in the mail log", WAIT,
                () -> karavel.mailLog().lines().anyMatch(l -> l.contains("deferred to=<someone@wrong.test>")));
        assertTrue("the dns bundle asked for the TLSA record", dns.queries("_25._tcp.mx.wrong.test") > 0);
        assertEquals("delivered despite a TLSA record that does not match", -1, RelayedMail.indexAtSink(sink, "someone@wrong.test"));
        String deferral = karavel.mailLog().lines().filter(l -> l.contains("deferred to=<someone@wrong.test>"))
                .findFirst().orElseThrow();
        assertTrue(deferral, deferral.contains("status=deferred") && deferral.contains("dane"));
    }
}
