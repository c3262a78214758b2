package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
 * {@code local_recipients = lmtp} against a real Dovecot (dovecot-core and dovecot-lmtpd from Debian)
 * that this test starts on a free loopback port, reading Karavel's own passwd-file: a known user is
 * accepted at RCPT and delivered over LMTP, an unknown one gets 550 at RCPT, nothing is bounced, and
 * with Dovecot stopped a recipient not verified yet gets a 4xx, never a 250.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class LmtpVerificationIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String LMTP_PORT = "karavel.test.lmtpPort";
    private static final String SENDER = "sender@remote.test";
    private static LoopbackDnsServer dns;
    private static SmtpSink sink;

    @Inject
    private BundleContext context;

    @Inject
    private Spool spool;

    @Configuration
    public Option[] config() {
        String lmtp = "127.0.0.1:" + KaravelContainer.freePort();
        return KaravelContainer.options(
                editConfigurationFilePut("etc/org.karavel.relay.cfg", "local_recipients", "lmtp"),
                editConfigurationFilePut("etc/org.karavel.relay.cfg", "lmtp_server", lmtp),
                editConfigurationFilePut("etc/org.karavel.relay.cfg", "relay_hosts", "127.0.0.1/32"),
                editConfigurationFilePut("etc/org.karavel.delivery.cfg", "local_transport", "lmtp:" + lmtp),
                systemProperty(LMTP_PORT).value(lmtp.substring(lmtp.indexOf(':') + 1)));
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
    }

    @Before
    public void awaitListener() {
        KaravelContainer.awaitListening(KaravelContainer.smtpPort());
    }

    @Test
    public void dovecotDecidesAtRcptAndNothingIsBounced() throws Exception {
        for (String user : List.of("alice@localhost", "bob@localhost")) {
            String added = KarafShell.run(context, "mta:user-add --stdin " + user, "a long secret\n");
            assertFalse(added, added.contains("failed"));
        }
        Path passwd = Path.of(System.getProperty("karaf.etc"), "karavel.passwd");
        Poll.until("both users in the passwd-file", WAIT, () -> {
            try {
                String text = Files.readString(passwd);
                return text.contains("alice@localhost") && text.contains("bob@localhost");
            } catch (IOException e) {
                return false;
            }
        });
        Dovecot dovecot = Dovecot.start(passwd, Integer.getInteger(LMTP_PORT));
        try {
            assertEquals(
                    dovecot.log(),
                    "550 5.1.1 <nobody-xyz@localhost>: Recipient address rejected: User unknown in local recipient table",
                    rcpt("nobody-xyz@localhost").strip());
            try (SmtpClient c = stranger()) {
                c.readReply();
                c.command("EHLO client.test");
                assertTrue(c.command("MAIL FROM:<" + SENDER + ">").startsWith("250"));
                String known = c.command("RCPT TO:<alice+news@localhost>");
                assertTrue(known + "\n" + dovecot.log(), known.startsWith("250 2.1.5"));
                assertTrue(c.command("RCPT TO:<ghost@localhost>").startsWith("550 5.1.1"));
                assertTrue(c.command("DATA").startsWith("354"));
                c.send("From: <" + SENDER + ">\r\nSubject: through dovecot\r\n\r\nHi.\r\n.\r\n");
                String queued = c.readReply();
                assertTrue(queued, queued.startsWith("250 2.0.0"));
            }
            Path aliceNew = dovecot.mail().resolve("localhost/alice/new");
            Poll.until("the message in alice's Dovecot Maildir", WAIT, () -> Maildirs.count(aliceNew) == 1);
            Poll.until("an empty queue", WAIT, () -> spool.list().isEmpty());
            assertTrue(
                    "nothing bounced",
                    sink.messages().stream().noneMatch(m -> m.recipients().contains(SENDER)));
            assertFalse(
                    "Dovecot was never given an unknown user",
                    Files.exists(dovecot.mail().resolve("localhost/ghost")));
        } finally {
            dovecot.stop();
        }
        // bob was never verified: with Dovecot down his RCPT waits (4xx), it is never a 250
        String down = rcpt("bob@localhost");
        assertTrue(down, down.startsWith("450 4.1.1 <bob@localhost>: Recipient address rejected: unverified address"));
        assertTrue(rcpt("other-ghost@localhost").startsWith("450 4.1.1"));
    }

    /** A Dovecot of this test's own: base_dir, state, log and mail in a temporary directory. */
    private record Dovecot(Path dir, Process master) {
        static Dovecot start(Path passwd, int port) throws Exception {
            Path dir = Files.createTempDirectory("karavel-dovecot");
            // the mail processes run as nobody: they must reach the mail directory
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path mail = Files.createDirectories(dir.resolve("mail"));
            Files.setPosixFilePermissions(mail, PosixFilePermissions.fromString("rwxrwxrwx"));
            Files.createDirectories(dir.resolve("run"));
            Files.createDirectories(dir.resolve("state"));
            Path conf = dir.resolve("dovecot.conf");
            Files.writeString(
                    conf,
                    String.join(
                            "\n",
                            "base_dir = " + dir.resolve("run"),
                            "state_dir = " + dir.resolve("state"),
                            "log_path = " + dir.resolve("dovecot.log"),
                            "protocols = lmtp",
                            "listen = 127.0.0.1",
                            "ssl = no",
                            "mail_location = maildir:" + mail + "/%d/%n",
                            "passdb {",
                            "  driver = passwd-file",
                            "  args = scheme=SHA512-CRYPT username_format=%u " + passwd,
                            "}",
                            "userdb {",
                            "  driver = static",
                            "  args = uid=nobody gid=nogroup home=" + mail + "/%d/%n",
                            "}",
                            // Karavel writes its passwd-file with mode 0600
                            "service auth {",
                            "  user = root",
                            "}",
                            "service lmtp {",
                            "  inet_listener lmtp {",
                            "    address = 127.0.0.1",
                            "    port = " + port,
                            "  }",
                            "}",
                            ""));
            String binary = Files.exists(Path.of("/usr/sbin/dovecot")) ? "/usr/sbin/dovecot" : "dovecot";
            Process p = new ProcessBuilder(binary, "-F", "-c", conf.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("dovecot.out").toFile())
                    .start();
            Dovecot d = new Dovecot(dir, p);
            Poll.until("Dovecot LMTP on port " + port + " (" + d.log() + ")", WAIT, () -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                    return true;
                } catch (IOException e) {
                    return !p.isAlive() && fail(d);
                }
            });
            return d;
        }

        private static boolean fail(Dovecot d) {
            throw new AssertionError("dovecot exited: " + d.log());
        }

        Path mail() {
            return dir.resolve("mail");
        }

        String log() {
            StringBuilder out = new StringBuilder();
            for (String f : List.of("dovecot.out", "dovecot.log")) {
                try {
                    out.append(f)
                            .append(": ")
                            .append(Files.readString(dir.resolve(f)))
                            .append('\n');
                } catch (IOException e) {
                    out.append(f).append(": (none)\n");
                }
            }
            return out.toString();
        }

        void stop() throws Exception {
            master.destroy();
            if (!master.waitFor(30, TimeUnit.SECONDS)) {
                master.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            // its children (auth, lmtp) follow the master; the port must be closed before the 4xx check
            Poll.until("Dovecot to stop listening", WAIT, () -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", Integer.getInteger(LMTP_PORT)), 1000);
                    return false;
                } catch (IOException e) {
                    return true;
                }
            });
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static SmtpClient stranger() throws IOException {
        return new SmtpClient(
                "127.0.0.1", KaravelContainer.smtpPort(), new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
    }

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
}
