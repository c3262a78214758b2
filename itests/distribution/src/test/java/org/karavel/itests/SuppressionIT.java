package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.function.BooleanSupplier;
import javax.inject.Inject;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.karavel.api.auth.MailboxUserAdmin;
import org.karavel.api.auth.MailboxUsers;
import org.karavel.api.suppression.SuppressionList;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.SmtpClient;
import org.karavel.testkit.SmtpSink;
import org.karavel.testkit.TrustAll;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.xbill.DNS.Type;

/**
 * The suppression list in the real distribution: an application on a relay host sends to an address
 * whose MX answers 550 5.1.1; the bounce suppresses it (seen in the shell and the admin API); the
 * application's next message to it is refused at RCPT; a person on submission and an Internet client
 * are not; removal through the API lets the application's mail through again.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SuppressionIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String GONE = "gone@remote.test";
    private static final String UNKNOWN = "550 5.1.1 <gone@remote.test>: user unknown";
    private static final String PERSON = "alice@localhost";
    private static final String PASSWORD = "correct horse battery staple";
    private static LoopbackDnsServer dns;
    private static SmtpSink sink;

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configAdmin;

    @Inject
    private MailboxUserAdmin users;

    @Inject
    private MailboxUsers authenticator;

    @Inject
    private SuppressionList suppression;

    @Configuration
    public Option[] config() {
        // only 127.0.0.1 is a relay host (the application); 127.0.0.2 is a stranger
        return KaravelContainer.options(
                editConfigurationFilePut("etc/org.karavel.relay.cfg", "relay_hosts", "127.0.0.1/32"));
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
        sink.onRcpt(r -> r.startsWith("gone@") ? UNKNOWN : "250 2.1.5 Ok");
    }

    @Before
    public void awaitListeners() {
        KaravelContainer.awaitListening(KaravelContainer.smtpPort());
        KaravelContainer.awaitListening(Integer.getInteger(KaravelContainer.SUBMISSION_PORT));
        KaravelContainer.awaitListening(Integer.getInteger(KaravelContainer.ADMIN_PORT));
    }

    @Test
    public void aHardBounceSuppressesTheAddressForApplicationsUntilRemoved() throws Exception {
        // 1. the application's first message is accepted and bounces at the MX
        String queued = applicationSends("Subject: first\r\n\r\nHello.\r\n");
        assertTrue(queued, queued.startsWith("250 2.0.0"));
        String id = queued.substring(queued.lastIndexOf(' ') + 1).trim();

        // 2. the bounce added the entry: the shell and the API show it, with the reply and the queue id
        Poll.until(
                "the bounce to suppress " + GONE,
                WAIT,
                () -> suppression.find(GONE).isPresent());
        String listing = KarafShell.run(context, "mta:suppression-list --address remote.test");
        assertTrue(listing, listing.contains(GONE));
        assertTrue(listing, listing.contains("invalid_recipient"));
        assertTrue(listing, listing.contains(id));
        AdminHttp.Response api = admin().get("/api/v1/suppression?address=" + GONE);
        assertEquals(api.body(), 200, api.status());
        assertTrue(api.body(), api.body().contains("\"address\":\"gone@remote.test\""));
        assertTrue(api.body(), api.body().contains("\"reason\":\"" + UNKNOWN + "\""));
        assertTrue(api.body(), api.body().contains("\"source\":\"" + id + "\""));

        // 3. the application's next message is refused at RCPT, logged as a reject and counted
        String refused = applicationRcpt(GONE);
        assertEquals("550 5.1.1 <gone@remote.test>: Recipient address rejected (suppressed: " + UNKNOWN + ")", refused);
        Poll.until(
                "the refusal in the mail log",
                WAIT,
                () -> mailLog().contains("NOQUEUE: reject stage=RCPT from=<app@localhost> to=<gone@remote.test>")
                        && mailLog().contains("(suppressed: " + UNKNOWN + ")"));
        int adminPort = Integer.getInteger(KaravelContainer.ADMIN_PORT);
        assertTrue(MetricsText.read(adminPort, "karavel_suppression_refusals_total") >= 1);
        assertTrue(MetricsText.read(adminPort, "karavel_suppression_entries") >= 1);

        // 4. a person on submission is not refused; nor is an Internet client's mail to a local address
        assertTrue(personRcpt(GONE).startsWith("250"));
        AdminHttp.Response added =
                admin().post("/api/v1/suppression", "{\"address\":\"bob@localhost\",\"reason\":\"test\"}");
        assertEquals(added.body(), 200, added.status());
        assertTrue(strangerRcpt("bob@localhost").startsWith("250"));
        assertTrue(applicationRcpt("bob@localhost").startsWith("550 5.1.1"));

        // 5. a person becomes an application by name: applies_to_users, taken at once
        try {
            updateUntil(
                    "applies_to_users",
                    PERSON,
                    "the listed user to be refused",
                    () -> personRcpt(GONE).startsWith("550 5.1.1"));
        } finally {
            updateUntil(
                    "applies_to_users",
                    "",
                    "the user to be a person again",
                    () -> personRcpt(GONE).startsWith("250"));
        }

        // 6. removal through the API restores the address: accepted and delivered again
        AdminHttp.Response removed = admin().delete("/api/v1/suppression/" + GONE);
        assertEquals(removed.body(), 200, removed.status());
        assertTrue(suppression.find(GONE).isEmpty());
        sink.onRcpt(r -> "250 2.1.5 Ok");
        String again = applicationSends("Subject: second\r\n\r\nBack again.\r\n");
        assertTrue(again, again.startsWith("250 2.0.0"));
        Poll.until(
                "the second message at the sink",
                WAIT,
                () -> sink.messages().stream().anyMatch(m -> m.contentAsString().contains("Back again.")));
    }

    @Test
    public void theShellAddsRemovesExportsAndImports() throws Exception {
        String add = KarafShell.run(context, "mta:suppression-add shell@remote.test --reason asked --expires 30d");
        assertTrue(add, add.contains("Suppressed shell@remote.test until"));
        assertTrue(applicationRcpt("shell@remote.test").startsWith("550 5.1.1"));
        Path csv = Path.of(System.getProperty("karaf.data"), "suppression-export.csv");
        String export = KarafShell.run(context, "mta:suppression-export " + csv + " --force");
        assertTrue(export, export.contains("Exported"));
        assertTrue(Files.readString(csv).startsWith("address,reason,category,created,expires,source\r\n"));
        String remove = KarafShell.run(context, "mta:suppression-remove shell@remote.test");
        assertTrue(remove, remove.contains("Removed shell@remote.test"));
        assertTrue(applicationRcpt("shell@remote.test").startsWith("250"));
        String imported = KarafShell.run(context, "mta:suppression-import " + csv);
        assertTrue(imported, imported.contains("Imported"));
        assertTrue(applicationRcpt("shell@remote.test").startsWith("550 5.1.1"));
        KarafShell.run(context, "mta:suppression-remove shell@remote.test");
    }

    private AdminHttp admin() {
        return new AdminHttp(Integer.getInteger(KaravelContainer.ADMIN_PORT));
    }

    private static String mailLog() {
        try {
            return Files.readString(Path.of(System.getProperty("karaf.log"), "mail.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** An application on the relay host 127.0.0.1 hands a message to port 25. */
    private static String applicationSends(String content) throws IOException {
        try (SmtpClient c =
                new SmtpClient("127.0.0.1", KaravelContainer.smtpPort(), new InetSocketAddress("127.0.0.1", 0))) {
            c.readReply();
            c.command("EHLO app.test");
            String reply = c.sendMail("app@localhost", List.of(GONE), content);
            c.command("QUIT");
            return reply;
        }
    }

    private static String applicationRcpt(String rcpt) {
        return rcptOnMx("127.0.0.1", rcpt);
    }

    private static String strangerRcpt(String rcpt) {
        return rcptOnMx("127.0.0.2", rcpt);
    }

    private static String rcptOnMx(String from, String rcpt) {
        try (SmtpClient c = new SmtpClient("127.0.0.1", KaravelContainer.smtpPort(), new InetSocketAddress(from, 0))) {
            c.readReply();
            c.command("EHLO client.test");
            c.command("MAIL FROM:<app@localhost>");
            return c.command("RCPT TO:<" + rcpt + ">");
        } catch (IOException e) {
            return "I/O error: " + e;
        }
    }

    /** A person: STARTTLS and AUTH on submission from 127.0.0.2. */
    private String personRcpt(String rcpt) {
        try {
            ensurePerson();
            try (SmtpClient c = new SmtpClient(
                    "127.0.0.1",
                    Integer.getInteger(KaravelContainer.SUBMISSION_PORT),
                    new InetSocketAddress("127.0.0.2", 0))) {
                c.readReply();
                c.command("EHLO client.test");
                c.command("STARTTLS");
                c.startTls(TrustAll.socketFactory());
                c.command("EHLO client.test");
                String auth = c.command("AUTH PLAIN "
                        + Base64.getEncoder()
                                .encodeToString(("\0" + PERSON + "\0" + PASSWORD).getBytes(StandardCharsets.UTF_8)));
                assertTrue(auth, auth.startsWith("235"));
                c.command("MAIL FROM:<" + PERSON + ">");
                return c.command("RCPT TO:<" + rcpt + ">");
            }
        } catch (Exception e) {
            return "error: " + e;
        }
    }

    private void ensurePerson() throws Exception {
        if (!users.list().contains(PERSON)) {
            users.add(PERSON, PASSWORD.toCharArray());
        }
        Poll.until(
                "the person to authenticate",
                WAIT,
                () -> authenticator
                        .authenticate(PERSON, PASSWORD.toCharArray())
                        .toCompletableFuture()
                        .join()
                        .isPresent());
    }

    /**
     * Sets a key of org.karavel.suppression until it has taken effect, setting it again whenever File
     * Install put an older etc/ file back over it (as MailFlowIT does).
     */
    private void updateUntil(String key, String value, String what, BooleanSupplier effect) {
        Poll.until(what, WAIT, () -> {
            try {
                org.osgi.service.cm.Configuration c = configAdmin.getConfiguration("org.karavel.suppression", null);
                Dictionary<String, Object> props = c.getProperties() == null ? new Hashtable<>() : c.getProperties();
                if (!value.equals(props.get(key))) {
                    props.put(key, value);
                    c.update(props);
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
            return effect.getAsBoolean();
        });
    }
}
