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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.SmtpSink;
import org.karavel.testkit.TestCertificates;
import org.xbill.DNS.Type;

/**
 * Outbound STARTTLS on the running distribution: delivery follows the tls bundle's policy towards a
 * STARTTLS sink on 127.0.0.1 (every MX connection goes to its port, {@code remote_port}). An untrusted
 * certificate defers mail under the default (Opportunistic) until the operator sets the destination to
 * OpportunisticInsecure in etc/; MTA-STS enforce policies, served over HTTPS on 127.0.0.1 with a
 * certificate from a test CA, refuse an MX the policy does not list and require a verified certificate
 * from the one it does.
 */
public class OutboundTlsIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static TestCertificates testCa;
    private static LoopbackDnsServer dns;
    private static SmtpSink sink;
    private static HttpsServer policies;
    private static final AtomicInteger policyFetches = new AtomicInteger();
    private static Distribution karavel;
    private static int smtpPort;

    @BeforeClass
    public static void boot() throws Exception {
        testCa = TestCertificates.authority("Karavel Outbound Test CA");
        sink = SmtpSink.startWithTls(TestCertificates.selfSignedContext("mx.remote.test"));
        policies = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 10);
        policies.setHttpsConfigurator(
                new HttpsConfigurator(testCa.serverContext("mta-sts.good.test", "mta-sts.bad.test")));
        policies.createContext("/.well-known/mta-sts.txt", exchange -> {
            policyFetches.incrementAndGet();
            String host = String.valueOf(exchange.getRequestHeaders().getFirst("Host"));
            // bad.test lists an MX host that is not its MX: enforce must refuse mx.bad.test
            String mx = host.startsWith("mta-sts.good.test") ? "mx.good.test" : "mx.elsewhere.test";
            byte[] body = ("version: STSv1\r\nmode: enforce\r\nmx: " + mx + "\r\nmax_age: 86400\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        policies.start();

        dns = LoopbackDnsServer.start();
        for (String domain : List.of("remote.test", "good.test", "bad.test")) {
            dns.add(domain, Type.MX, "10 mx." + domain + ".", 60);
            dns.add("mx." + domain, Type.A, "127.0.0.1", 60);
        }
        for (String domain : List.of("good.test", "bad.test")) {
            dns.add("_mta-sts." + domain, Type.TXT, "\"v=STSv1; id=20261122\"", 60);
            dns.add("mta-sts." + domain, Type.A, "127.0.0.1", 60);
        }

        karavel = Distribution.unpack("outboundtls");
        Path trust = karavel.home().resolve("etc/test-ca.pem");
        Files.writeString(trust, testCa.pem());
        smtpPort = KaravelContainer.freePort();
        karavel.listenersOnLoopback(smtpPort);
        karavel.configure("org.karavel.dns.cfg", Map.of("servers", dns.address()));
        karavel.configure(
                "org.karavel.tls.outbound.cfg",
                Map.of(
                        "tlsrpt",
                        "false",
                        "trust_file",
                        trust.toString(),
                        "mta_sts_port",
                        Integer.toString(policies.getAddress().getPort()),
                        "mta_sts_trust_file",
                        trust.toString()));
        // retries every second or two, so that a policy change shows at the next attempt
        karavel.configure(
                "org.karavel.delivery.cfg",
                Map.of(
                        "remote_port",
                        Integer.toString(sink.port()),
                        "min_backoff_seconds",
                        "1",
                        "max_backoff_seconds",
                        "2"));
        karavel.start();
        Distribution.awaitSmtp(smtpPort);
    }

    @AfterClass
    public static void stop() throws Exception {
        // the policy server is no AutoCloseable: stop(0) ends it without waiting for exchanges
        Distribution.closeAll(karavel, sink, policies == null ? null : () -> policies.stop(0), dns);
    }

    @Test
    public void anUntrustedCertificateDefersUntilTheOperatorAllowsOpportunisticInsecure() throws Exception {
        sink.startTls(TestCertificates.selfSignedContext("mx.remote.test"));
        RelayedMail.queue(smtpPort, "someone@remote.test", "Subject: untrusted\r\n\r\nhello\r\n");

        Poll.until("the deferral in the mail log", WAIT, () -> line("deferred to=<someone@remote.test>") != null);
        String deferred = line("deferred to=<someone@remote.test>");
        assertTrue(deferred, deferred.contains(" verified=no policy=Opportunistic/none tls_failure="));
        assertTrue(deferred, deferred.contains("status=deferred (451 4.7.5 "));
        assertEquals(
                "delivered despite an untrusted certificate", -1, RelayedMail.indexAtSink(sink, "someone@remote.test"));
        assertTrue("no handshake was made", sink.tlsHandshakes() > 0);

        karavel.configure(
                "org.karavel.tls.outbound.cfg", Map.of("outbound_policies", "remote.test=OpportunisticInsecure"));

        Poll.until("the message at the sink", WAIT, () -> RelayedMail.indexAtSink(sink, "someone@remote.test") >= 0);
        assertTrue(
                "delivered in clear text",
                sink.tlsProtocols()
                        .get(RelayedMail.indexAtSink(sink, "someone@remote.test"))
                        .startsWith("TLSv1."));
        Poll.until("the delivery in the mail log", WAIT, () -> line("delivered to=<someone@remote.test>") != null);
        String delivered = line("delivered to=<someone@remote.test>");
        assertTrue(delivered, delivered.contains(" tls=TLSv1."));
        assertTrue(delivered, delivered.contains(" verified=no policy=OpportunisticInsecure/config status=sent"));
    }

    @Test
    public void mtaStsEnforceRefusesAnUnlistedMxAndRequiresAVerifiedCertificate() throws Exception {
        // the sink now presents a certificate from the CA in trust_file, for both MX names
        sink.startTls(testCa.serverContext("mx.good.test", "mx.bad.test"));
        RelayedMail.queue(smtpPort, "someone@bad.test", "Subject: unlisted mx\r\n\r\nmust not arrive\r\n");
        RelayedMail.queue(smtpPort, "someone@good.test", "Subject: listed mx\r\n\r\nhello over verified TLS\r\n");

        Poll.until(
                "the message to good.test at the sink",
                WAIT,
                () -> RelayedMail.indexAtSink(sink, "someone@good.test") >= 0);
        assertTrue(sink.tlsProtocols()
                .get(RelayedMail.indexAtSink(sink, "someone@good.test"))
                .startsWith("TLSv1."));
        Poll.until("the delivery in the mail log", WAIT, () -> line("delivered to=<someone@good.test>") != null);
        String delivered = line("delivered to=<someone@good.test>");
        assertTrue(delivered, delivered.contains(" verified=yes policy=Required/mta-sts-enforce status=sent"));

        Poll.until(
                "the deferral of bad.test in the mail log", WAIT, () -> line("deferred to=<someone@bad.test>") != null);
        String deferred = line("deferred to=<someone@bad.test>");
        assertTrue(deferred, deferred.contains("relay=none"));
        assertTrue(deferred, deferred.contains("policy=Required/mta-sts-enforce"));
        assertTrue(deferred, deferred.contains("(451 4.7.5 MX host mx.bad.test not allowed by the TLS policy"));
        assertEquals(
                "delivered to an MX the MTA-STS policy does not list",
                -1,
                RelayedMail.indexAtSink(sink, "someone@bad.test"));
        assertTrue("no policy was fetched", policyFetches.get() >= 2);
    }

    /** The first mail log line that contains the text, or null. */
    private static String line(String text) {
        return karavel.mailLog()
                .lines()
                .filter(l -> l.contains(text))
                .findFirst()
                .orElse(null);
    }
}
