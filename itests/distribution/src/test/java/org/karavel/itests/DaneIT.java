package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
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
 * Only answers about the names of those two domains carry the AD bit: a third domain's MX answer is
 * insecure (as a spoofed one would be) and names a host in the "attacker's" signed zone, whose
 * authentic TLSA record matches the sink; that domain's MTA-STS enforce policy (served over HTTPS on
 * 127.0.0.1) does not list the host, so it is never contacted (issue 13).
 */
public class DaneIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static LoopbackDnsServer dns;
    private static SmtpSink sink;
    private static Distribution karavel;
    private static int smtpPort;
    private static HttpsServer policies;
    private static final AtomicInteger policyFetches = new AtomicInteger();

    @BeforeClass
    public static void boot() throws Exception {
        TestCertificates unknownCa = TestCertificates.authority("Nobody Trusts This CA");
        TestCertificates.Issued leaf = unknownCa.issue("mx.dane.test", "mx.wrong.test");
        SSLContext serverContext = TestCertificates.context(leaf);
        byte[] spki = MessageDigest.getInstance("SHA-256")
                .digest(leaf.certificate().getPublicKey().getEncoded());
        String spkiHex = HexFormat.of().formatHex(spki);
        byte[] wrong = spki.clone();
        wrong[0] ^= 0x01;

        sink = SmtpSink.startWithTls(serverContext);
        dns = LoopbackDnsServer.start();
        // a validating resolver vouches for these names only (the MX answers of dane.test and wrong.test,
        // and the TLSA records, also the attacker's, whose own zone is signed)
        for (String name : List.of(
                "dane.test",
                "_25._tcp.mx.dane.test",
                "wrong.test",
                "_25._tcp.mx.wrong.test",
                "_25._tcp.mx.attacker.test")) {
            dns.authenticData(name);
        }
        dns.add("dane.test", Type.MX, "10 mx.dane.test.", 60);
        dns.add("mx.dane.test", Type.A, "127.0.0.1", 60);
        dns.add("_25._tcp.mx.dane.test", Type.TLSA, "3 1 1 " + spkiHex, 60);
        dns.add("wrong.test", Type.MX, "10 mx.wrong.test.", 60);
        dns.add("mx.wrong.test", Type.A, "127.0.0.1", 60);
        dns.add("_25._tcp.mx.wrong.test", Type.TLSA, "3 1 1 " + HexFormat.of().formatHex(wrong), 60);
        // spoofed.test: an insecure MX answer names mx.attacker.test, whose authentic TLSA record matches the sink
        dns.add("spoofed.test", Type.MX, "10 mx.attacker.test.", 60);
        dns.add("mx.attacker.test", Type.A, "127.0.0.1", 60);
        dns.add("_25._tcp.mx.attacker.test", Type.TLSA, "3 1 1 " + spkiHex, 60);
        dns.add("_mta-sts.spoofed.test", Type.TXT, "\"v=STSv1; id=20261207\"", 60);
        dns.add("mta-sts.spoofed.test", Type.A, "127.0.0.1", 60);
        TestCertificates webCa = TestCertificates.authority("Karavel MTA-STS Test CA");
        policies = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 10);
        policies.setHttpsConfigurator(new HttpsConfigurator(webCa.serverContext("mta-sts.spoofed.test")));
        policies.createContext("/.well-known/mta-sts.txt", exchange -> {
            policyFetches.incrementAndGet();
            byte[] body = "version: STSv1\r\nmode: enforce\r\nmx: mx.spoofed.test\r\nmax_age: 86400\r\n"
                    .getBytes(StandardCharsets.US_ASCII);
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        policies.start();

        karavel = Distribution.unpack("dane");
        smtpPort = KaravelContainer.freePort();
        karavel.listenersOnLoopback(smtpPort);
        karavel.configure("org.karavel.dns.cfg", Map.of("servers", dns.address(), "dnssec", "trust_ad"));
        Path webTrust = karavel.home().resolve("etc/mta-sts-test-ca.pem");
        Files.writeString(webTrust, webCa.pem());
        karavel.configure(
                "org.karavel.tls.outbound.cfg",
                Map.of(
                        "dane",
                        "true",
                        "tlsrpt",
                        "false",
                        "mta_sts_port",
                        Integer.toString(policies.getAddress().getPort()),
                        "mta_sts_trust_file",
                        webTrust.toString()));
        karavel.configure("org.karavel.delivery.cfg", Map.of("remote_port", Integer.toString(sink.port())));
        karavel.start();
        Distribution.awaitSmtp(smtpPort);
    }

    @AfterClass
    public static void stop() throws Exception {
        Distribution.closeAll(karavel, sink, policies == null ? null : () -> policies.stop(0), dns);
    }

    @Test
    public void aMatchingDaneEeRecordAuthenticatesACertificateNobodyTrusts() throws Exception {
        RelayedMail.queue(smtpPort, "someone@dane.test", "Subject: DANE-EE\r\n\r\nhello over authenticated TLS\r\n");

        Poll.until(
                "the message at the sink",
                WAIT,
                () -> sink.messages().stream().anyMatch(m -> m.recipients().contains("someone@dane.test")));
        int index = RelayedMail.indexAtSink(sink, "someone@dane.test");
        assertTrue("delivered in clear text", sink.tlsProtocols().get(index).startsWith("TLSv1."));
        assertTrue("the dns bundle asked for the TLSA record", dns.queries("_25._tcp.mx.dane.test") > 0);
        // the TLS policy's own count of the session: decided by DANE, and the certificate verified by it
        // (the mail log's line says the same, "verified=yes policy=.../dane", in words that may change)
        Poll.until(
                "a DANE-verified session in karavel_tls_outbound_sessions_total",
                WAIT,
                () -> MetricsText.read(
                                karavel.adminPort(),
                                "karavel_tls_outbound_sessions_total",
                                Map.of("policy", "dane", "result", "verified"))
                        >= 1);
    }

    @Test
    public void aTlsaRecordThatDoesNotMatchDefersTheMessage() throws Exception {
        RelayedMail.queue(smtpPort, "someone@wrong.test", "Subject: wrong TLSA\r\n\r\nmust not arrive\r\n");

        Poll.until(
                "the deferral in the mail log",
                WAIT,
                () -> karavel.mailLog().lines().anyMatch(l -> l.contains("deferred to=<someone@wrong.test>")));
        assertTrue("the dns bundle asked for the TLSA record", dns.queries("_25._tcp.mx.wrong.test") > 0);
        assertEquals(
                "delivered despite a TLSA record that does not match",
                -1,
                RelayedMail.indexAtSink(sink, "someone@wrong.test"));
        String deferral = karavel.mailLog()
                .lines()
                .filter(l -> l.contains("deferred to=<someone@wrong.test>"))
                .findFirst()
                .orElseThrow();
        assertTrue(deferral, deferral.contains("status=deferred") && deferral.contains("dane"));
    }

    /**
     * A spoofer's MX answer (insecure) names a host in his own signed zone with a TLSA record that
     * matches his server: DANE must not apply, MTA-STS enforce decides, and the unlisted host is never
     * contacted (its TLSA record is not even asked for).
     */
    @Test
    public void anInsecureMxAnswerNamingAHostOutsideTheMtaStsPolicyIsNeverContacted() throws Exception {
        RelayedMail.queue(smtpPort, "someone@spoofed.test", "Subject: spoofed MX\r\n\r\nmust not arrive\r\n");

        Poll.until(
                "the deferral in the mail log",
                WAIT,
                () -> karavel.mailLog().lines().anyMatch(l -> l.contains("deferred to=<someone@spoofed.test>")));
        String deferral = karavel.mailLog()
                .lines()
                .filter(l -> l.contains("deferred to=<someone@spoofed.test>"))
                .findFirst()
                .orElseThrow();
        assertTrue(
                deferral,
                deferral.contains("MX host mx.attacker.test not allowed by the TLS policy Required/mta-sts-enforce"));
        assertEquals("delivered to the spoofer's MX", -1, RelayedMail.indexAtSink(sink, "someone@spoofed.test"));
        assertTrue("the MTA-STS policy was not fetched", policyFetches.get() > 0);
        assertEquals(
                "TLSA records of a host from an insecure MX answer were looked up",
                0,
                dns.queries("_25._tcp.mx.attacker.test"));
    }
}
