package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.SmtpClient;
import org.karavel.testkit.SmtpSink;
import org.karavel.testkit.TestCertificates;
import org.xbill.DNS.Type;

/**
 * Routing and sending addresses on the running distribution: etc/karavel.transport sends one domain
 * to a fixed host, another to a smarthost that requires AUTH over verified TLS (password in
 * etc/secrets), another to a list of smarthosts whose first is down, another to a smarthost that
 * refuses AUTH (deferred, never bounced); two pools bound to 127.0.0.2 and 127.0.0.3 send with their
 * own EHLO names, by weight, and the pool header never leaves the server.
 */
public class RoutingIT {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String PASSWORD = "relay-pw-7Hq2xLm9";
    /** Messages through the pools: the bulk pool's (weights 3:1) and the tx pool's (by header). */
    private static final int BULK = 800;

    private static final int TX = 200;
    private static LoopbackDnsServer dns;
    private static SmtpSink mx;
    private static SmtpSink fixed;
    private static SmtpSink authRelay;
    private static SmtpSink backupRelay;
    private static SmtpSink refusingRelay;
    private static Distribution karavel;
    private static int smtpPort;

    @BeforeClass
    public static void boot() throws Exception {
        TestCertificates ca = TestCertificates.authority("Karavel Routing Test CA");
        mx = SmtpSink.start().keepContent(true);
        fixed = SmtpSink.start();
        authRelay = SmtpSink.start().startTls(ca.serverContext("relay1.test")).requireAuth("app", PASSWORD);
        backupRelay = SmtpSink.start();
        refusingRelay = SmtpSink.start()
                .startTls(ca.serverContext("relay1.test"))
                .authReply("535 5.7.8 Authentication credentials invalid");
        int down = closedPort();

        dns = LoopbackDnsServer.start();
        dns.add("pools.test", Type.MX, "10 mx.pools.test.", 60);
        for (String host : List.of("mx.pools.test", "fixed.test", "relay1.test", "relay2.test", "down.test")) {
            dns.add(host, Type.A, "127.0.0.1", 60);
        }

        karavel = Distribution.unpack("routing");
        Path etc = karavel.home().resolve("etc");
        Path trust = etc.resolve("test-ca.pem");
        Files.writeString(trust, ca.pem());
        Files.createDirectories(etc.resolve("secrets"));
        Files.writeString(etc.resolve("secrets/relay"), PASSWORD + "\n");
        Files.write(
                etc.resolve("karavel.transport"),
                List.of(
                        "# the test's routes",
                        "routed.test    smtp:[fixed.test]:" + fixed.port(),
                        "auth.test      smtp:[relay1.test]:" + authRelay.port()
                                + "  auth=app password=$[secret:relay] tls=Required",
                        "failover.test  smtp:[down.test]:" + down + ", smtp:[relay2.test]:" + backupRelay.port(),
                        "badauth.test   smtp:[relay1.test]:" + refusingRelay.port()
                                + "  auth=app password=$[secret:relay] tls=Required",
                        "blocked.test   refuse",
                        "broken.test    smtp:[fixed.test] auth=app password=inline-password"));
        smtpPort = KaravelContainer.freePort();
        karavel.listenersOnLoopback(smtpPort);
        karavel.configure("org.karavel.relay.cfg", Map.of("relay_hosts", "127.0.0.1/32"));
        karavel.configure("org.karavel.dns.cfg", Map.of("servers", dns.address()));
        karavel.configure("org.karavel.tls.outbound.cfg", Map.of("tlsrpt", "false", "trust_file", trust.toString()));
        karavel.configure(
                "org.karavel.delivery.cfg",
                Map.of(
                        "remote_port",
                        Integer.toString(mx.port()),
                        "min_backoff_seconds",
                        "1",
                        "max_backoff_seconds",
                        "2"));
        karavel.configure(
                "org.karavel.delivery.source-two.cfg",
                Map.of("name", "two", "address", "127.0.0.2", "ehlo_name", "two.karavel.test"));
        karavel.configure(
                "org.karavel.delivery.source-three.cfg",
                Map.of("name", "three", "address", "127.0.0.3", "ehlo_name", "three.karavel.test"));
        // TEST-NET-1: on no machine, so the pool skips it
        karavel.configure(
                "org.karavel.delivery.source-gone.cfg",
                Map.of("name", "gone", "address", "192.0.2.77", "ehlo_name", "gone.karavel.test"));
        karavel.configure(
                "org.karavel.delivery.pool-bulk.cfg",
                Map.of("name", "bulk", "sources", "two:3, three:1, gone:5", "sender_domains", "bulk.test"));
        karavel.configure("org.karavel.delivery.pool-tx.cfg", Map.of("name", "tx", "sources", "three"));
        // a new address in its first day of warm-up: 3 messages today
        karavel.configure(
                "org.karavel.delivery.source-four.cfg",
                Map.of(
                        "name",
                        "four",
                        "address",
                        "127.0.0.4",
                        "ehlo_name",
                        "four.karavel.test",
                        "warmup",
                        LocalDate.now() + ": 3/day, 10/day"));
        karavel.configure("org.karavel.delivery.pool-warm.cfg", Map.of("name", "warm", "sources", "four"));
        karavel.start();
        Distribution.awaitSmtp(smtpPort);
    }

    @AfterClass
    public static void stop() throws Exception {
        Distribution.closeAll(karavel, mx, fixed, authRelay, backupRelay, refusingRelay, dns);
    }

    @Test
    public void twoPoolsSendFromTheirAddressesWithTheirEhloNamesInTheConfiguredShares() throws Exception {
        long started = System.nanoTime();
        try (SmtpClient c = SmtpClient.connect(smtpPort)) {
            c.readReply();
            c.command("EHLO client.test");
            for (int i = 0; i < BULK + TX; i++) {
                boolean tx = i % 5 == 4;
                String from = tx ? "app@tx.test" : "news@bulk.test";
                String content = (tx ? "X-Karavel-Pool: tx\r\n" : "") + "From: <" + from + ">\r\nSubject: pool " + i
                        + "\r\n\r\nmessage " + i + "\r\n";
                String reply = c.sendMail(from, List.of("u" + i + "@pools.test"), content);
                assertTrue(reply, reply.startsWith("250"));
            }
        }
        Poll.until(
                "all " + (BULK + TX) + " messages at the sink",
                WAIT,
                () -> mx.messages().stream()
                                .filter(m -> m.recipients().get(0).endsWith("@pools.test"))
                                .count()
                        >= BULK + TX);
        System.out.printf(
                "RoutingIT: %d messages through two pools in %.1f s%n", BULK + TX, (System.nanoTime() - started) / 1e9);

        List<SmtpSink.ReceivedMail> got = mx.messages();
        List<String> from = mx.clientAddresses();
        Map<String, Integer> bulkBySource = new HashMap<>();
        for (int i = 0; i < got.size(); i++) {
            SmtpSink.ReceivedMail m = got.get(i);
            if (!m.recipients().get(0).endsWith("@pools.test")) {
                // another test's mail (the warm-up pool's)
                continue;
            }
            String expectedHelo = from.get(i).equals("127.0.0.2") ? "two.karavel.test" : "three.karavel.test";
            assertEquals("EHLO from " + from.get(i), expectedHelo, m.helo());
            assertFalse("the pool header left the server", m.contentAsString().contains("X-Karavel-Pool"));
            if (m.sender().equals("app@tx.test")) {
                assertEquals("the tx pool's address", "127.0.0.3", from.get(i));
            } else {
                bulkBySource.merge(from.get(i), 1, Integer::sum);
            }
        }
        System.out.println("RoutingIT: bulk pool (two:3, three:1) by source address: " + bulkBySource);
        assertEquals(Map.of("127.0.0.2", BULK * 3 / 4, "127.0.0.3", BULK / 4).keySet(), bulkBySource.keySet());
        assertWithin(BULK * 3 / 4, bulkBySource.get("127.0.0.2"));
        assertWithin(BULK / 4, bulkBySource.get("127.0.0.3"));
        String log = karavel.log();
        assertTrue(
                "the source not on this machine is an ERROR naming its file",
                log.lines()
                        .anyMatch(l -> l.contains("ERROR")
                                && l.contains("org.karavel.delivery.source-gone.cfg")
                                && l.contains("not an address of this machine")));
    }

    @Test
    public void aDomainRoutedToAFixedHostGoesThereWithoutAnMxLookup() throws Exception {
        RelayedMail.queue(smtpPort, "someone@routed.test", "Subject: fixed\r\n\r\nto the fixed host\r\n");

        Poll.until(
                "the message at the fixed host",
                WAIT,
                () -> RelayedMail.indexAtSink(fixed, "someone@routed.test") >= 0);
        assertEquals(0, dns.queries("routed.test"));
        Poll.until(
                "the mail log line",
                WAIT,
                () -> karavel.mailLog()
                        .contains("delivered to=<someone@routed.test> relay=fixed.test[127.0.0.1]:" + fixed.port()));
    }

    @Test
    public void theSmarthostGetsAuthOverVerifiedTlsWithThePasswordFromTheSecretFile() throws Exception {
        RelayedMail.queue(smtpPort, "someone@auth.test", "Subject: auth\r\n\r\nthrough the smarthost\r\n");

        Poll.until(
                "the message at the smarthost",
                WAIT,
                () -> RelayedMail.indexAtSink(authRelay, "someone@auth.test") >= 0);
        assertEquals(1, authRelay.authSuccesses());
        assertEquals(0, authRelay.authFailures());
        assertEquals(List.of("TLSv1.3"), authRelay.tlsProtocols());
        String line = mailLogLine("delivered to=<someone@auth.test>");
        assertTrue(
                line,
                line.contains("relay=relay1.test[127.0.0.1]:" + authRelay.port()) && line.contains("verified=yes"));
        assertFalse(
                "the password in a log",
                karavel.log().contains(PASSWORD) || karavel.mailLog().contains(PASSWORD));
    }

    @Test
    public void theSecondSmarthostTakesTheMailWhenTheFirstIsDown() throws Exception {
        RelayedMail.queue(smtpPort, "someone@failover.test", "Subject: failover\r\n\r\nvia the second\r\n");

        Poll.until(
                "the message at the second smarthost",
                WAIT,
                () -> RelayedMail.indexAtSink(backupRelay, "someone@failover.test") >= 0);
        Poll.until(
                "the mail log naming the second smarthost",
                WAIT,
                () -> karavel.mailLog()
                        .contains("delivered to=<someone@failover.test> relay=relay2.test[127.0.0.1]:"
                                + backupRelay.port()));
    }

    @Test
    public void aSmarthostThatRefusesAuthDefersTheMailAndBouncesNothing() throws Exception {
        RelayedMail.queue(smtpPort, "someone@badauth.test", "Subject: refused\r\n\r\nnot today\r\n");

        // retried every second or two: each attempt is deferred with the smarthost's reply
        Poll.until(
                "two deferrals in the mail log",
                WAIT,
                () -> karavel.mailLog()
                                .lines()
                                .filter(l -> l.contains("deferred to=<someone@badauth.test>"))
                                .count()
                        >= 2);
        String line = mailLogLine("deferred to=<someone@badauth.test>");
        assertTrue(
                line,
                line.contains("SASL authentication failed; server relay1.test[127.0.0.1]:" + refusingRelay.port()
                        + " said: 535 5.7.8 Authentication credentials invalid"));
        assertFalse(karavel.mailLog().contains("bounced to=<someone@badauth.test>"));
        assertEquals(0, refusingRelay.transactions());
        assertTrue(refusingRelay.authFailures() >= 2);
    }

    @Test
    public void aRefusedDomainBouncesAndABadEntryIsAnErrorNamingFileAndLine() throws Exception {
        RelayedMail.queue(smtpPort, "someone@blocked.test", "Subject: blocked\r\n\r\nno\r\n");

        Poll.until(
                "the bounce in the mail log",
                WAIT,
                () -> karavel.mailLog().contains("bounced to=<someone@blocked.test>"));
        assertTrue(
                mailLogLine("bounced to=<someone@blocked.test>"),
                mailLogLine("bounced to=<someone@blocked.test>")
                        .contains("554 5.7.1 mail for blocked.test is not delivered from this server"));
        String log = karavel.log();
        assertTrue(log.lines()
                .anyMatch(l -> l.contains("ERROR")
                        && l.contains("karavel.transport:7")
                        && l.contains("never written inline")));
        assertFalse(log.contains("inline-password"));
    }

    @Test
    public void aNewAddressSendsNoMoreThanItsWarmupLimitAndTheRestWaits() throws Exception {
        dns.add("warm.test", Type.MX, "10 mx.pools.test.", 60);
        for (int i = 0; i < 5; i++) {
            RelayedMail.queue(
                    smtpPort,
                    "warm" + i + "@warm.test",
                    "X-Karavel-Pool: warm\r\nSubject: warm " + i + "\r\n\r\nhello\r\n");
        }

        Poll.until(
                "3 messages from 127.0.0.4 and 2 waiting in the queue",
                WAIT,
                () -> fromWarmSource() == 3 && waitingInQueue() == 2,
                () -> fromWarmSource() + " at the sink, " + waitingInQueue() + " listed");
        // retried every second or two meanwhile (min_backoff_seconds = 1): still held, never attempted
        String log = karavel.mailLog();
        assertEquals(
                3, log.lines().filter(l -> l.contains("delivered to=<warm")).count());
        assertFalse(log, log.contains("deferred to=<warm"));
        assertEquals(3, fromWarmSource());
    }

    private static long fromWarmSource() {
        List<String> from = mx.clientAddresses();
        List<SmtpSink.ReceivedMail> got = mx.messages();
        long n = 0;
        for (int i = 0; i < got.size(); i++) {
            if (got.get(i).recipients().get(0).startsWith("warm")) {
                assertEquals("127.0.0.4", from.get(i));
                assertEquals("four.karavel.test", got.get(i).helo());
                n++;
            }
        }
        return n;
    }

    private static long waitingInQueue() {
        try {
            KarafClient.Result r = KarafClient.run(karavel.home(), "mta:queue-list");
            return r.output()
                    .lines()
                    .filter(l -> l.contains("@warm.test (pending"))
                    .count();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String mailLogLine(String part) {
        return karavel.mailLog()
                .lines()
                .filter(l -> l.contains(part))
                .findFirst()
                .orElse("(no line with " + part + ")");
    }

    private static void assertWithin(int expected, Integer actual) {
        assertTrue(
                actual + " is not within 10% of " + expected,
                actual != null && Math.abs(actual - expected) <= expected / 10);
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }
}
