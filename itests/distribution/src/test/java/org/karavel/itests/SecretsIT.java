package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
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
 * Secrets out of configuration files, on the running distribution: the Spamhaus DQS key comes from
 * {@code $[secret:name]} (a file in etc/secrets, or in systemd's {@code $CREDENTIALS_DIRECTORY},
 * which comes first) or from {@code $[env:NAME]}, reaches the DNS query (a DNS server on 127.0.0.1
 * serves the DQS zone of each key), and shows nowhere: not in /api/v1/config (the reference is
 * shown), the logs, {@code mta:} output or the filter's service properties. 127.0.0.2 is an outside
 * client that each key's zone lists. And the files the server makes (spool, logs, Maildirs) are
 * closed to other users (bin/setenv's umask).
 */
public class SecretsIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String FILE_KEY = "filekey7q2m9x4c1v8b3n6z5a0s";
    private static final String ROTATED_KEY = "rotatedkey8m3n6b9v2c5x1z4l7k";
    private static final String CREDENTIAL_KEY = "credkey3h8j1k5l9p2o4i7u6y0t";
    private static final String BOTH_KEY = "bothkey2n7b4v1c8x5z3a6s9d0f";
    private static final String SHADOWED_KEY = "shadowkey4w9e2r7t1y5u8i3o6p";
    private static final String ENV_KEY = "envkey5d2f8g1h6j9k3l7z4x0c";
    private static final String ENV_NAME = "KARAVEL_IT_DQS_KEY";
    private static Distribution karavel;
    private static LoopbackDnsServer dns;
    private static Path credentials;
    private static int smtpPort;
    private static int adminPort;

    @BeforeClass
    public static void boot() throws Exception {
        dns = LoopbackDnsServer.start();
        for (String key : List.of(FILE_KEY, ROTATED_KEY, CREDENTIAL_KEY, BOTH_KEY, SHADOWED_KEY, ENV_KEY)) {
            dns.add("2.0.0.127." + key + ".zen.dq.spamhaus.net", Type.A, "127.0.0.2", 300);
            dns.add(
                    "2.0.0.127." + key + ".zen.dq.spamhaus.net",
                    Type.TXT,
                    "\"Listed in the DQS zone of one key\"",
                    300);
        }
        karavel = Distribution.unpack("secrets");
        smtpPort = KaravelContainer.freePort();
        adminPort = karavel.adminPort();
        karavel.listenersOnLoopback(smtpPort);
        karavel.configure("org.karavel.relay.cfg", Map.of("relay_hosts", "127.0.0.1/32"));
        karavel.configure("org.karavel.greylist.cfg", Map.of("enabled", "false"));
        karavel.configure("org.karavel.dns.cfg", Map.of("servers", dns.address()));
        // systemd's LoadCredential= puts each credential in a private directory and names it here
        credentials = Files.createDirectories(karavel.home().resolveSibling("secrets-credentials"));
        Files.writeString(credentials.resolve("dqs-credential"), CREDENTIAL_KEY + "\n");
        Files.writeString(credentials.resolve("dqs-both"), BOTH_KEY + "\n");
        karavel.start(Map.of("CREDENTIALS_DIRECTORY", credentials.toString(), ENV_NAME, ENV_KEY));
        Distribution.awaitSmtp(smtpPort);
    }

    @AfterClass
    public static void stop() throws Exception {
        Distribution.closeAll(karavel, dns);
    }

    @Test
    public void aKeyInTheSecretsDirectoryReachesTheDnsQueryAndIsShownNowhere() throws Exception {
        Path secrets = karavel.home().resolve("etc/secrets");
        assertTrue("bin/setenv makes etc/secrets", Files.isDirectory(secrets));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secrets)));
        Files.writeString(secrets.resolve("dqs"), FILE_KEY + "\n");

        useKey("$[secret:dqs]", FILE_KEY);

        // a rotated key (Vault Agent renders the file again) counts once the configuration is applied again
        Files.writeString(secrets.resolve("dqs"), ROTATED_KEY + "\n");
        KarafClient.Result restart = KarafClient.run(karavel.home(), "bundle:restart org.karavel.dnsbl");
        assertTrue(restart.output(), restart.ok());
        String rotatedZone = "2.0.0.127." + ROTATED_KEY + ".zen.dq.spamhaus.net";
        Poll.until(
                "a query for " + rotatedZone,
                WAIT,
                () -> rcptFromListedClient().startsWith("554") && dns.queries(rotatedZone) > 0,
                SecretsIT::rcptFromListedClient);
        assertNowhereUnder(karavel.data().resolve("log"), ROTATED_KEY);
    }

    @Test
    public void aSystemdCredentialReachesTheDnsQueryAndComesBeforeTheSecretsDirectory() throws Exception {
        useKey("$[secret:dqs-credential]", CREDENTIAL_KEY);

        Files.writeString(karavel.home().resolve("etc/secrets/dqs-both"), SHADOWED_KEY + "\n");
        useKey("$[secret:dqs-both]", BOTH_KEY);
        assertEquals(0, dns.queries("2.0.0.127." + SHADOWED_KEY + ".zen.dq.spamhaus.net"));
    }

    @Test
    public void aKeyFromTheEnvironmentReachesTheDnsQueryAndIsShownNowhere() throws Exception {
        useKey("$[env:" + ENV_NAME + "]", ENV_KEY);
    }

    @Test
    public void aSecretThatCannotBeFoundIsAnErrorNamingFileAndKeyAndTurnsTheListsOff() throws Exception {
        karavel.configure("org.karavel.dnsbl.cfg", Map.of("dqs_key", "$[secret:no-such-secret]"));
        String error = "dqs_key = $[secret:no-such-secret] in etc/org.karavel.dnsbl.cfg cannot be resolved";
        Poll.until("an ERROR naming the key", WAIT, () -> {
            try {
                return karavel.log().contains(error);
            } catch (IOException e) {
                return false;
            }
        });
        // no lookup in a zone named after the reference: the listed client gets through, unchecked
        Poll.until(
                "the lists to be off",
                WAIT,
                () -> rcptFromListedClient().startsWith("250"),
                SecretsIT::rcptFromListedClient);
    }

    @Test
    public void theSpoolTheLogsAndTheMailboxesAreClosedToOtherUsers() throws Exception {
        try (SmtpClient c = new SmtpClient("127.0.0.1", smtpPort)) {
            c.readReply();
            c.command("EHLO client.test");
            String reply = c.sendMail(
                    "app@localhost", List.of("private@localhost"), "Subject: private\r\n\r\nFor my eyes.\r\n");
            assertTrue(reply, reply.startsWith("250"));
        }
        Path inbox = karavel.data().resolve("mail/localhost/private/new");
        Poll.until("the message in " + inbox, WAIT, () -> Maildirs.count(inbox) == 1);

        int checked = 0;
        for (String dir : List.of("spool", "log", "mail")) {
            try (Stream<Path> files = Files.walk(karavel.data().resolve(dir))) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String mode =
                            PosixFilePermissions.toString(Files.getPosixFilePermissions(f, LinkOption.NOFOLLOW_LINKS));
                    assertTrue(f + " is " + mode, mode.endsWith("---"));
                    checked++;
                }
            }
        }
        assertTrue("only " + checked + " files looked at", checked > 10);
    }

    /** Sets dqs_key to the reference, waits for a listed client to be refused through the key's zone, then looks for the key everywhere. */
    private static void useKey(String reference, String key) throws Exception {
        karavel.configure("org.karavel.dnsbl.cfg", Map.of("dqs_key", reference));
        String zoneName = "2.0.0.127." + key + ".zen.dq.spamhaus.net";
        int before = dns.queries(zoneName);
        Poll.until(
                "a query for " + zoneName,
                WAIT,
                () -> rcptFromListedClient().startsWith("554") && dns.queries(zoneName) > before,
                SecretsIT::rcptFromListedClient);
        String refused = rcptFromListedClient();
        // the client is told the list's public name, never the zone that holds the key
        assertTrue(
                refused,
                refused.startsWith("554 5.7.1 Service unavailable; client [127.0.0.2] blocked using zen.spamhaus.org"));
        assertFalse(refused, refused.contains(key));

        AdminHttp.Response config = new AdminHttp(adminPort).get("/api/v1/config");
        assertEquals(config.body(), 200, config.status());
        assertTrue(config.body(), config.body().contains("\"dqs_key\":\"" + reference + "\""));
        assertFalse(config.body(), config.body().contains(key));

        String propertyList = "";
        for (String command : List.of(
                "mta:filters",
                "service:list org.karavel.api.filter.SmtpFilter",
                "config:property-list --pid org.karavel.dnsbl")) {
            KarafClient.Result r = KarafClient.run(karavel.home(), command);
            assertTrue(command + ": " + r.output(), r.ok());
            assertFalse(command + " shows the key: " + r.output(), r.output().contains(key));
            propertyList = r.output();
        }
        // the reference itself is shown (the same output, not a second bin/client of two seconds)
        assertTrue(propertyList, propertyList.contains(reference));
        assertNowhereUnder(karavel.data().resolve("log"), key);
        assertNowhereUnder(karavel.home().resolve("console.log"), key);
    }

    private static void assertNowhereUnder(Path root, String key) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                assertFalse(
                        "the key is in " + f,
                        Files.readString(f, StandardCharsets.ISO_8859_1).contains(key));
            }
        }
    }

    private static String rcptFromListedClient() {
        try (SmtpClient c = new SmtpClient("127.0.0.1", smtpPort, new InetSocketAddress("127.0.0.2", 0))) {
            c.readReply();
            c.command("EHLO outside.test");
            c.command("MAIL FROM:<someone@outside.test>");
            return c.command("RCPT TO:<user@localhost>");
        } catch (IOException e) {
            return "I/O error: " + e;
        }
    }
}
