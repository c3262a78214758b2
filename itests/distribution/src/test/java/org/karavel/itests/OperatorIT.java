package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.karavel.testkit.LegacyTlsClient;
import org.karavel.testkit.SmtpClient;

/**
 * What an operator does with a running distribution: edit a file in etc/ and see it applied without
 * a restart, and read why the listener could not start in the log.
 */
public class OperatorIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static Distribution karavel;
    private static int smtpPort;

    @BeforeClass
    public static void boot() throws Exception {
        karavel = Distribution.unpack("operator");
        smtpPort = KaravelContainer.freePort();
        karavel.listenersOnLoopback(smtpPort);
        // only 127.0.0.1 may relay, so that 127.0.0.2 is an outside client
        karavel.configure("org.karavel.relay.cfg", Map.of("relay_hosts", "127.0.0.1/32"));
        karavel.configure("org.karavel.dns.cfg", Map.of("servers", "127.0.0.1:" + KaravelContainer.freePort()));
        karavel.start();
        Distribution.awaitSmtp(smtpPort);
    }

    @AfterClass
    public static void stop() throws Exception {
        Distribution.closeAll(karavel);
    }

    @Test
    public void editingTheRelayFileAddsALocalDomainWithoutRestart() throws Exception {
        assertTrue(rcptFrom127002("carol@example.org").startsWith("554 5.7.1"));
        karavel.configure("org.karavel.relay.cfg", Map.of("local_domains", "localhost, example.org"));
        Poll.until(
                "example.org to become local",
                WAIT,
                () -> rcptFrom127002("carol@example.org").startsWith("250"));

        try (SmtpClient c = new SmtpClient("127.0.0.1", smtpPort, new InetSocketAddress("127.0.0.2", 0))) {
            c.readReply();
            c.command("EHLO outside.test");
            String reply = c.sendMail(
                    "someone@outside.test",
                    List.of("carol@example.org"),
                    "From: <someone@outside.test>\r\nSubject: for carol\r\n\r\nHi.\r\n");
            assertTrue(reply, reply.startsWith("250 2.0.0"));
        }
        Path newDir = karavel.data().resolve("mail/example.org/carol/new");
        Poll.until("the message in " + newDir, WAIT, () -> Maildirs.count(newDir) == 1);
    }

    @Test
    public void editingTheListenerFileMovesItToAnotherPort() throws Exception {
        int taken;
        try (ServerSocket blocker = new ServerSocket()) {
            blocker.bind(new InetSocketAddress("127.0.0.1", 0));
            taken = blocker.getLocalPort();
            // a port another program holds: the log names the file to change, and the server stays up
            karavel.configure("org.karavel.smtp.listener-mx.cfg", Map.of("port", Integer.toString(taken)));
            Poll.until(
                    "the log to name the listener file",
                    WAIT,
                    () -> log().contains("Cannot listen on 127.0.0.1:" + taken)
                            && log().contains("org.karavel.smtp.listener-mx.cfg"));
        }
        int next = KaravelContainer.freePort();
        karavel.configure("org.karavel.smtp.listener-mx.cfg", Map.of("port", Integer.toString(next)));
        // fileinstall writes the configuration it applied back to the file; when that lands just after
        // our edit it overwrites it, as it would an operator's editor: then edit again, as they would
        Poll.until("the listener on port " + next, WAIT, () -> {
            if (Distribution.greets(next)) {
                return true;
            }
            if (!karavel.setting("org.karavel.smtp.listener-mx.cfg", "port").equals(Integer.toString(next))) {
                try {
                    karavel.configure("org.karavel.smtp.listener-mx.cfg", Map.of("port", Integer.toString(next)));
                } catch (IOException e) {
                    return false; // tried again at the next poll
                }
            }
            return false;
        });
        smtpPort = next;
    }

    @Test
    public void oldTlsVersionsAreRefusedAndPort25NeverOffersAuth() throws Exception {
        try (SmtpClient c = SmtpClient.connect(smtpPort)) {
            c.readReply();
            String ehlo = c.command("EHLO client.test");
            assertTrue(ehlo, ehlo.contains("STARTTLS"));
            assertTrue("AUTH must not be offered before TLS on port 25: " + ehlo, !ehlo.contains("AUTH"));
        }
        for (String old : new String[] {"TLSv1.1", "TLSv1"}) {
            // offered for real (the JDK's client will not send them): the server refuses the version itself
            assertEquals(
                    old,
                    LegacyTlsClient.PROTOCOL_VERSION_ALERT,
                    LegacyTlsClient.offerAfterStartTls(new InetSocketAddress("127.0.0.1", smtpPort), old));
        }
        try (SmtpClient c = SmtpClient.connect(smtpPort)) {
            c.readReply();
            c.command("EHLO client.test");
            assertTrue(c.command("STARTTLS").startsWith("220"));
            // the same client offering 1.2 as well gets 1.2 (so the refusals above were the server's)
            c.startTls(org.karavel.testkit.TrustAll.socketFactory(), "TLSv1.2", "TLSv1.1", "TLSv1");
            assertTrue(c.tlsParameters(), c.tlsParameters().startsWith("TLSv1.2"));
            String ehlo = c.command("EHLO client.test");
            // the mx listener's defaults: no AUTH on port 25 even after TLS (users submit on 587 and 465)
            assertTrue(ehlo, ehlo.startsWith("250-") && !ehlo.contains("AUTH"));
            assertTrue(c.command("AUTH PLAIN AGFsaWNlQGxvY2FsaG9zdABwYXNzd29yZA==")
                    .startsWith("503 5.5.1 Error: authentication not enabled"));
        }
    }

    @Test
    public void theConsoleIsKaravelsWithItsFirstSteps() throws Exception {
        String host = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        KarafClient.Result login = KarafClient.login(karavel.home(), "mta:queue-summary\nlogout\n");
        String shown = login.output().replaceAll("\u001B\\[[0-9;]*m", "");
        assertTrue(shown, login.ok());
        // the banner (etc/branding-ssh.properties), then the prompt with the host name (etc/shell.init.script)
        assertTrue(shown, shown.contains("|_|\\_\\\\__,_||_|  \\__,_| \\_/  \\___||_|"));
        assertTrue(shown, shown.contains("Karavel, a mail transfer agent on Apache Karaf"));
        for (String step : List.of("mta:status-checks", "mta:queue-summary", "help mta")) {
            assertTrue(step + " among the first steps: " + shown, shown.contains("    " + step + " "));
        }
        assertTrue(shown, shown.contains("karavel@" + host + "> "));
        assertTrue("no error from the init script: " + shown, !shown.contains("Error in initialization script"));
        assertTrue("no Karaf branding left: " + shown, !shown.contains("Apache Karaf (4"));
    }

    private static String log() {
        try {
            return karavel.log();
        } catch (IOException e) {
            return "";
        }
    }

    private static String rcptFrom127002(String rcpt) {
        try (SmtpClient c = new SmtpClient("127.0.0.1", smtpPort, new InetSocketAddress("127.0.0.2", 0))) {
            c.readReply();
            c.command("EHLO outside.test");
            c.command("MAIL FROM:<someone@outside.test>");
            return c.command("RCPT TO:<" + rcpt + ">");
        } catch (IOException e) {
            return "I/O error: " + e;
        }
    }
}
