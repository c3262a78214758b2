package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.inject.Inject;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.karavel.api.queue.Spool;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.SmtpClient;
import org.karavel.testkit.SmtpSink;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.xbill.DNS.Type;

/**
 * Recipient validation at RCPT with the shipped default ({@code local_recipients = users}), aliases
 * and forwarding, on the real distribution, from a stranger (127.0.0.2, relay_hosts = 127.0.0.1):
 * users and aliases are accepted, anyone else gets 550 at RCPT, and nothing is ever bounced.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RecipientValidationIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String SENDER = "sender@remote.test";
    private static LoopbackDnsServer dns;
    private static SmtpSink sink;

    @Inject
    private BundleContext context;

    @Inject
    private Spool spool;

    @Configuration
    public Option[] config() {
        return KaravelContainer.options(
                editConfigurationFilePut("etc/org.karavel.relay.cfg", "local_recipients", "users"),
                editConfigurationFilePut("etc/org.karavel.relay.cfg", "local_domains", "localhost, catch.test"),
                editConfigurationFilePut("etc/org.karavel.relay.cfg", "relay_hosts", "127.0.0.1/32"),
                // a backup MX for backup.test that knows its recipients (Postfix relay_recipient_maps)
                editConfigurationFilePut("etc/org.karavel.relay.cfg", "relay_domains", "backup.test"),
                editConfigurationFilePut("etc/org.karavel.relay.cfg", "relay_recipients_file", "relay_recipients"));
    }

    @BeforeClass
    public static synchronized void startPeers() throws IOException {
        if (dns != null) {
            return;
        }
        dns = LoopbackDnsServer.start(Integer.getInteger(KaravelContainer.DNS_PORT));
        sink = SmtpSink.start(Integer.getInteger(KaravelContainer.SINK_PORT));
        dns.add("remote.test", Type.MX, "10 mx1.remote.test.", 60);
        dns.add("mx1.remote.test", Type.A, "127.0.0.1", 60);
        dns.add("backup.test", Type.MX, "10 mx1.remote.test.", 60);
    }

    @Before
    public void awaitListener() {
        KaravelContainer.awaitListening(KaravelContainer.smtpPort());
    }

    @Test
    public void knownUserIsDeliveredUnknownIsRefusedAtRcptAndNothingBounces() throws Exception {
        addUser("alice@localhost");
        assertEquals(
                "550 5.1.1 <nobody-xyz@localhost>: Recipient address rejected: User unknown in local recipient table",
                rcpt("nobody-xyz@localhost").strip());
        try (SmtpClient c = stranger()) {
            c.readReply();
            c.command("EHLO client.test");
            assertTrue(c.command("MAIL FROM:<" + SENDER + ">").startsWith("250"));
            assertTrue(c.command("RCPT TO:<alice+news@localhost>").startsWith("250 2.1.5"));
            assertTrue(c.command("RCPT TO:<nobody-xyz@localhost>").startsWith("550 5.1.1"));
            assertTrue(c.command("DATA").startsWith("354"));
            c.send("From: <" + SENDER + ">\r\nSubject: validated\r\n\r\nHi.\r\n.\r\n");
            String queued = c.readReply();
            assertTrue(queued, queued.startsWith("250 2.0.0"));
        }
        Path alice = maildir("localhost", "alice");
        Poll.until("the message in alice's Maildir", WAIT, () -> Maildirs.count(alice.resolve("new")) == 1);
        Poll.until("an empty queue", WAIT, () -> spool.list().isEmpty());
        assertFalse("no Maildir for an unknown user", Files.exists(maildir("localhost", "nobody-xyz")));
        assertTrue(
                "nothing bounced",
                sink.messages().stream().noneMatch(m -> m.recipients().contains(SENDER)));
    }

    @Test
    public void aliasesForwardToLocalUsersAndRemoteAddressesKeepingTheSender() throws Exception {
        addUser("bob@localhost");
        String added = KarafShell.run(context, "mta:alias-add sales@localhost bob@localhost partner@remote.test");
        assertTrue(added, added.contains("added"));
        Poll.until(
                "sales@localhost to be accepted",
                WAIT,
                () -> rcpt("sales@localhost").startsWith("250"));
        assertTrue(KarafShell.run(context, "mta:alias-list").contains("sales@localhost"));

        String reply =
                sendFromStranger("sales@localhost", "From: <" + SENDER + ">\r\nSubject: to sales\r\n\r\nHi.\r\n");
        assertTrue(reply, reply.startsWith("250 2.0.0"));
        Path bob = maildir("localhost", "bob");
        Poll.until("the message in bob's Maildir", WAIT, () -> Maildirs.count(bob.resolve("new")) == 1);
        Poll.until(
                "the forwarded copy at the sink",
                WAIT,
                () -> sink.messages().stream().anyMatch(m -> m.recipients().contains("partner@remote.test")));
        SmtpSink.ReceivedMail forwarded = sink.messages().stream()
                .filter(m -> m.recipients().contains("partner@remote.test"))
                .findFirst()
                .orElseThrow();
        assertEquals("the original envelope sender (no SRS)", SENDER, forwarded.sender());
        assertEquals(List.of("partner@remote.test"), forwarded.recipients());
        assertFalse("no Maildir for the alias itself", Files.exists(maildir("localhost", "sales")));

        String removed = KarafShell.run(context, "mta:alias-remove sales@localhost");
        assertTrue(removed, removed.contains("removed"));
        Poll.until(
                "sales@localhost to be unknown again",
                WAIT,
                () -> rcpt("sales@localhost").startsWith("550 5.1.1"));
    }

    @Test
    public void aCatchAllTakesUnknownLocalPartsOfItsDomainOnly() throws Exception {
        addUser("carol@localhost");
        String reply =
                admin("POST", "/api/v1/aliases", "{\"address\":\"@catch.test\",\"targets\":[\"carol@localhost\"]}");
        assertTrue(reply, reply.startsWith("200"));
        Poll.until(
                "any@catch.test to be accepted",
                WAIT,
                () -> rcpt("whoever-" + System.nanoTime() + "@catch.test").startsWith("250"));
        assertTrue(admin("GET", "/api/v1/aliases", null).contains("@catch.test"));
        assertTrue(
                sendFromStranger("random-name@catch.test", "From: <" + SENDER + ">\r\nSubject: caught\r\n\r\nHi.\r\n")
                        .startsWith("250 2.0.0"));
        Path carol = maildir("localhost", "carol");
        Poll.until("the caught message in carol's Maildir", WAIT, () -> Maildirs.count(carol.resolve("new")) == 1);
        assertTrue(rcpt("whoever@localhost").startsWith("550 5.1.1"));
        assertTrue(admin("DELETE", "/api/v1/aliases/%40catch.test", null).startsWith("200"));
        Poll.until(
                "the catch-all to be gone",
                WAIT,
                () -> rcpt("whoever@catch.test").startsWith("550 5.1.1"));
    }

    @Test
    public void anAliasLoopIsRefusedWithATemporaryErrorAndNamedInTheLog() throws Exception {
        KarafShell.run(context, "mta:alias-add loop1@localhost loop2@localhost");
        KarafShell.run(context, "mta:alias-add loop2@localhost loop1@localhost");
        Poll.until(
                "the loop to be refused",
                WAIT,
                () -> rcpt("loop1@localhost").startsWith("451 4.6.0 <loop1@localhost>: Alias expansion error"));
        String log = Files.readString(Path.of(System.getProperty("karaf.data"), "log", "karaf.log"));
        assertTrue(
                "the log names the loop",
                log.contains("alias loop loop1@localhost -> loop2@localhost -> loop1@localhost"));
    }

    @Test
    public void aBackupMxAcceptsOnlyTheListedRecipientsOfItsRelayDomain() throws Exception {
        // the file is configured but not there yet: relay recipients wait, they are neither accepted nor refused
        assertTrue(rcpt("dave@backup.test").startsWith("451 4.3.0"));
        Files.writeString(
                Path.of(System.getProperty("karaf.etc"), "relay_recipients"),
                "# the inner server's mailboxes\ndave@backup.test OK\n");
        Poll.until(
                "dave@backup.test to be accepted",
                WAIT,
                () -> rcpt("dave@backup.test").startsWith("250"));
        assertEquals(
                "550 5.1.1 <mallory@backup.test>: Recipient address rejected: User unknown in relay recipient table",
                rcpt("mallory@backup.test").strip());
        assertTrue(sendFromStranger(
                        "dave+list@backup.test", "From: <" + SENDER + ">\r\nSubject: via the backup MX\r\n\r\nHi.\r\n")
                .startsWith("250 2.0.0"));
        Poll.until(
                "the relayed message at the inner server",
                WAIT,
                () -> sink.messages().stream().anyMatch(m -> m.recipients().contains("dave+list@backup.test")));
    }

    private void addUser(String user) {
        String added = KarafShell.run(context, "mta:user-add --stdin " + user, "a long secret\n");
        assertFalse(added, added.contains("failed"));
        Poll.until(user + " to be accepted at RCPT", WAIT, () -> rcpt(user).startsWith("250"));
    }

    private static String admin(String method, String path, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + Integer.getInteger(KaravelContainer.ADMIN_PORT) + path))
                .timeout(Duration.ofSeconds(30));
        if (!method.equals("GET")) {
            b.header("Content-Type", "application/json"); // the admin API refuses state changes that are not JSON
        }
        b.method(
                method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        HttpResponse<String> r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    private static SmtpClient stranger() throws IOException {
        return new SmtpClient(
                "127.0.0.1", KaravelContainer.smtpPort(), new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
    }

    /** The reply to RCPT TO in a fresh session from the stranger. */
    private static String rcpt(String recipient) {
        try (SmtpClient c = stranger()) {
            c.readReply();
            c.command("EHLO client.test");
            c.command("MAIL FROM:<" + SENDER + ">");
            return c.command("RCPT TO:<" + recipient + ">");
        } catch (IOException e) {
            return "I/O error: " + e;
        }
    }

    private static String sendFromStranger(String recipient, String content) throws IOException {
        try (SmtpClient c = stranger()) {
            c.readReply();
            c.command("EHLO client.test");
            return c.sendMail(SENDER, List.of(recipient), content);
        }
    }

    private static Path maildir(String domain, String user) {
        return new File(System.getProperty("karaf.data"), "mail")
                .toPath()
                .resolve(domain)
                .resolve(user);
    }
}
