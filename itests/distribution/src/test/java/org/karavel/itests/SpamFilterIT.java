package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.SmtpClient;
import org.xbill.DNS.Type;

/**
 * The spam filters and a hot-deployed filter on the running distribution, with a DNS server on
 * 127.0.0.1 serving a test ZEN zone. Only 127.0.0.1 is a relay host, so 127.0.0.2 and 127.0.0.3
 * are outside clients: 127.0.0.2 is listed, 127.0.0.3 gets Spamhaus's "public resolver" error code.
 */
public class SpamFilterIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String EXE_MAIL = "Subject: invoice\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
            + "--b\r\nContent-Type: application/octet-stream; name=\"invoice.exe\"\r\n\r\nTVqQAAMAAAAEAAAA\r\n--b--\r\n";
    private static Distribution karavel;
    private static LoopbackDnsServer dns;
    private static int smtpPort;

    @BeforeClass
    public static void boot() throws Exception {
        dns = LoopbackDnsServer.start();
        dns.add("2.0.0.127.zen.spamhaus.org", Type.A, "127.0.0.2", 300);
        dns.add("2.0.0.127.zen.spamhaus.org", Type.TXT, "\"Listed by SBL, see https://check.spamhaus.org/\"", 300);
        dns.add("3.0.0.127.zen.spamhaus.org", Type.A, "127.255.255.254", 300);
        karavel = Distribution.unpack("spamfilter");
        smtpPort = KaravelContainer.freePort();
        karavel.listenersOnLoopback(smtpPort);
        karavel.configure("org.karavel.relay.cfg", Map.of("relay_hosts", "127.0.0.1/32"));
        // greylisting with a short delay; only relay hosts (127.0.0.1) are exempt
        karavel.configure("org.karavel.greylist.cfg", Map.of("delay_seconds", "3", "pass_clients", ""));
        karavel.configure("org.karavel.dns.cfg", Map.of("servers", dns.address()));
        karavel.start();
        Distribution.awaitSmtp(smtpPort);
        // the listener greets as soon as the relay filter is there; the dnsbl bundle may start a moment later
        Poll.until("the dnsbl filter to be registered", WAIT, () -> {
            try {
                return karavel.log().contains("SMTP filter 'dnsbl' added");
            } catch (IOException e) {
                return false;
            }
        });
    }

    @AfterClass
    public static void stop() throws Exception {
        Distribution.closeAll(karavel, dns);
    }

    @Test
    public void aListedClientIsRefusedAtRcptButMayWritePostmaster() {
        String refused = rcptFrom("127.0.0.2", "user@localhost");
        assertTrue(
                refused,
                refused.startsWith("554 5.7.1 Service unavailable; client [127.0.0.2] blocked using zen.spamhaus.org"));
        assertTrue(refused, refused.contains("Listed by SBL"));
        String postmaster = rcptFrom("127.0.0.2", "postmaster@localhost");
        assertTrue(postmaster, postmaster.startsWith("250"));
        assertTrue(karavel.mailLog().contains("blocked using zen.spamhaus.org"));
    }

    @Test
    public void anErrorCodeAnswerIsNotAListingAndGreylistingDefersThenAccepts() throws Exception {
        // 127.0.0.3 gets 127.255.255.254 from ZEN (a "public resolver" error): not a listing, so the
        // greylist filter decides: first sight defers, a retry after the delay passes
        String first = rcptFrom("127.0.0.3", "grey@localhost");
        assertTrue(first, first.startsWith("450 4.2.0 Greylisted, please try again in "));
        assertTrue(dns.queries("3.0.0.127.zen.spamhaus.org") > 0);
        String early = rcptFrom("127.0.0.3", "grey@localhost");
        assertTrue(early, early.startsWith("450 4.2.0"));
        long start = System.nanoTime();
        Poll.until(
                "the greylisted triplet to pass after the delay",
                WAIT,
                () -> send(
                                "127.0.0.3",
                                "someone@outside.test",
                                "grey@localhost",
                                "From: <someone@outside.test>\r\nSubject: retried\r\n\r\nhello\r\n")
                        .startsWith("250"));
        assertTrue("passed before the delay", System.nanoTime() - start >= 2_000_000_000L);
        Path inbox = karavel.data().resolve("mail/localhost/grey/new");
        Poll.until("the retried message in " + inbox, WAIT, () -> Maildirs.count(inbox) == 1);
        // the dkim bundle stamped what it verified: no SPF record for outside.test, no signature
        String stored;
        try (Stream<Path> files = Files.list(inbox)) {
            stored = Files.readString(files.findFirst().orElseThrow());
        }
        String header = stored.substring(0, stored.indexOf("\r\n\r\n"));
        assertTrue(header, header.contains("\r\nAuthentication-Results: "));
        assertTrue(header, header.contains("spf=none smtp.mailfrom=outside.test"));
        assertTrue(header, header.contains("dkim=none"));
    }

    @Test
    public void theRelayHostIsNotLookedUp() {
        String reply = rcptFrom("127.0.0.1", "user@localhost");
        assertTrue(reply, reply.startsWith("250"));
        assertEquals(0, dns.queries("1.0.0.127.zen.spamhaus.org"));
    }

    @Test
    public void aFilterJarDroppedIntoDeployTakesEffectAndLeavesWhenDeleted() throws Exception {
        assertTrue(send("127.0.0.1", EXE_MAIL).startsWith("250"));
        Path deployed = karavel.home().resolve("deploy/content-filter.jar");
        Files.copy(
                Path.of(System.getProperty("karavel.exampleFilterJar")), deployed, StandardCopyOption.REPLACE_EXISTING);
        Poll.until(
                "the example filter to refuse an .exe attachment",
                WAIT,
                () -> send("127.0.0.1", EXE_MAIL).startsWith("554 5.7.1 Message content rejected by policy"));
        assertTrue(send("127.0.0.1", "Subject: hello\r\n\r\nplain text\r\n").startsWith("250"));

        // sessions in the middle of a transaction while the filter bundle is updated (fileinstall
        // updates a bundle whose jar changes): every 250 is a message in a Maildir, nothing else
        List<SmtpClient> open = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            SmtpClient c = new SmtpClient("127.0.0.1", smtpPort);
            c.readReply();
            c.command("EHLO client.test");
            c.command("MAIL FROM:<sender@client.test>");
            c.command("RCPT TO:<during-update@localhost>");
            open.add(c);
        }
        Files.copy(
                Path.of(System.getProperty("karavel.exampleFilterJar")), deployed, StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(deployed, FileTime.fromMillis(System.currentTimeMillis() + 5000));
        int accepted = 0;
        for (SmtpClient c : open) {
            String data = c.command("DATA");
            if (data.startsWith("354")) {
                c.send("Subject: during the update\r\n\r\nhello\r\n.\r\n");
                String reply = c.readReply();
                assertTrue(reply, reply.startsWith("250") || reply.startsWith("4"));
                accepted += reply.startsWith("250") ? 1 : 0;
            }
            c.close();
        }
        assertTrue("no session got its message through the update", accepted > 0);
        Path inbox = karavel.data().resolve("mail/localhost/during-update/new");
        int expected = accepted;
        Poll.until(expected + " messages in " + inbox, WAIT, () -> Maildirs.count(inbox) == expected);

        Files.delete(deployed);
        Poll.until(
                "mail to pass once the filter jar is deleted",
                WAIT,
                () -> send("127.0.0.1", EXE_MAIL).startsWith("250"));
    }

    private static String rcptFrom(String clientIp, String rcpt) {
        return reply(() -> {
            try (SmtpClient c = new SmtpClient("127.0.0.1", smtpPort, new InetSocketAddress(clientIp, 0))) {
                c.readReply();
                c.command("EHLO outside.test");
                c.command("MAIL FROM:<someone@outside.test>");
                return c.command("RCPT TO:<" + rcpt + ">");
            }
        });
    }

    private static String send(String clientIp, String content) {
        return send(clientIp, "sender@client.test", "user@localhost", content);
    }

    private static String send(String clientIp, String from, String to, String content) {
        return reply(() -> {
            try (SmtpClient c = new SmtpClient("127.0.0.1", smtpPort, new InetSocketAddress(clientIp, 0))) {
                c.readReply();
                c.command("EHLO client.test");
                return c.sendMail(from, List.of(to), content);
            }
        });
    }

    private interface Exchange {
        String run() throws IOException;
    }

    private static String reply(Exchange exchange) {
        try {
            String r = exchange.run();
            return r == null ? "no reply" : r;
        } catch (IOException e) {
            return "I/O error: " + e;
        }
    }
}
